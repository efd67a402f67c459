"""Meta's app-level webhook, ``/webhooks/meta``: one endpoint for every page, form and Instagram account.

Meta checks the endpoint with a ``hub.challenge`` handshake, then POSTs JSON signed with
``X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret, raw body)>``, computed over the exact bytes
it sends; retries for up to 36 hours; and batches several entries and changes in one POST (at most
1,000 updates, a few hundred KiB: the web app reads at most ``WebSettings.webhook_body_limit``, 1 MiB).
https://developers.facebook.com/docs/graph-api/webhooks/getting-started
https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving (webhooks)
A leadgen change only announces a lead: the job fetches it with the page's token. Changes for a
page or form no source watches are parked as unrouted; the dashboard's test payload is recognised.

Two entry shapes arrive: ``{"id", "time", "changes": [{"field", "value"}]}`` (pages, and Instagram
with Facebook Login) and, from the Instagram API with Instagram Login, ``{"id", "time", "field",
"value"}`` (https://developers.facebook.com/docs/instagram-platform/webhooks/examples/). Whatever cannot
be placed (another shape, a field no source reads, a change without its ids) is parked as unrouted with
its reason; what is known and not wanted (feed items that are not comments, removed or hidden comments)
is counted with its reason in the delivery's summary, which is kept with the delivery's body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from connectors.meta.comment_fields import EDIT_VERBS
from connectors.meta.comments import MetaCommentsSource
from connectors.meta.lead_ads import MetaLeadAdsSource
from socialleads.contracts import Source, WebhookAcceptance, WebhookContext, WebhookJob, WebhookReceiver
from socialleads.errors import SourceError, WebhookRejected
from socialleads.jsontext import nests_deeper_than, refuse_constant
from socialleads.models import RawEvent
from socialleads.redact import REDACTOR

log = logging.getLogger("socialleads.meta.webhook")
#: Leads of one delivery fetched at once: a burst is fetched side by side, within Meta's rate limits.
MAX_PARALLEL_FETCHES = 4

#: The ids the App Dashboard's "Test" button sends; fetching them fails on the real API.
TEST_IDS = frozenset({"0", "444444444444"})


#: The deepest nesting of objects and arrays a delivery may have. Meta's are 5 or 6 levels deep (object,
#: entry list, entry, changes, change, value, and a value's own lists); anything far deeper is not Meta's,
#: and every later step (the unrouted dead letters' JSON, the comment events' payloads) stays shallow.
MAX_DEPTH = 32


#: A JSON escape of a UTF-16 surrogate (``\ud800``): only then can a parsed string hold a lone one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_delivery(body: bytes) -> Any:
    """The JSON document of a delivery's (already verified) body.

    Raises ``WebhookRejected(400)`` for bytes that are not JSON (not UTF-8, a syntax error, ``NaN`` or
    ``Infinity``, a number too large for a float or of more than 4,300 digits) and for a document
    nesting deeper than ``MAX_DEPTH``: deep enough, the parser itself runs out of recursion
    (``RecursionError``, e.g. 100,000 ``[``), and a document just under that limit would fail later,
    when a dead letter or an event's payload is written as JSON.
    A lone surrogate escape (``\\ud800``, not text in any encoding) becomes U+FFFD in the document,
    so no database refuses what is made of it; the delivery's body is kept as it came.
    """
    try:
        document = json.loads(body, parse_constant=refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise WebhookRejected(400, f"malformed: the body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise WebhookRejected(400, "malformed: the body is not JSON") from None
    if nests_deeper_than(document, MAX_DEPTH):
        raise WebhookRejected(400, f"malformed: the body nests deeper than {MAX_DEPTH} levels")
    return _text_only(document) if _SURROGATE_ESCAPE.search(body) else document


def _finite_float(text: str) -> float:
    """A JSON number as a float; ``1e999`` (valid JSON, infinite as a float) is refused like NaN."""
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"{text[:20]} is too large")
    return number


def _text_only(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings and keys replaced by U+FFFD (recursive: the
    depth is checked first)."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_text_only(item) for item in value]
    if isinstance(value, dict):
        return {_text_only(key): _text_only(item) for key, item in value.items()}
    return value


def _as_id(value: Any) -> str | None:
    """Meta sends ids as strings in real deliveries and as numbers in its docs: accept both."""
    return str(value) if value is not None and value != "" else None


Leads = dict[str, list[tuple[str, str, str | None]]]
"""Per lead-ads source, the (page id, leadgen id, form id) of the leads a delivery announced."""


@dataclass
class _Tally:
    """What one delivery held, for its summary: changes per field, and what was ignored, by reason."""

    fields: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)

    def summary(self, kind: Any, acceptance: WebhookAcceptance) -> str:
        f = self.fields
        ignored = "".join(f"; ignored {n} {reason}" for reason, n in self.ignored.items())
        return (
            f"{kind}: {f['leadgen']} leadgen, {f['feed']} feed, {f['comments']} instagram comments, "
            f"{f['other']} other; {len(acceptance.jobs)} to fetch, {len(acceptance.unrouted)} unrouted"
            + ignored
            + ("; the dashboard test payload" if acceptance.test else "")
        )


def changes_of(entry: Any) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, dict[str, Any]]]]:
    """The (field, value) changes of one entry in either shape (module docstring), and what in it cannot
    be read, each with why. A ``value`` that is a list (as a doc's prose has it) gives one change per item."""
    if not isinstance(entry, dict):
        return [], [("an entry that is not a JSON object", {"entry": entry})]
    if isinstance(entry.get("changes"), list):
        raw = entry["changes"]
    elif "field" in entry:
        raw = [{"field": entry.get("field"), "value": entry.get("value")}]
    elif "messaging" in entry:
        return [], [("a messaging entry (direct messages): no source reads messages", entry)]
    else:
        return [], [("an entry with neither changes nor a field and value: its shape is unknown", entry)]
    changes: list[tuple[str, dict[str, Any]]] = []
    problems: list[tuple[str, dict[str, Any]]] = []
    for change in raw:
        name = change.get("field") if isinstance(change, dict) else None
        value = change.get("value") if isinstance(change, dict) else None
        for item in value if isinstance(value, list) else [value]:
            if isinstance(name, str) and isinstance(item, dict):
                changes.append((name, item))
            else:
                kept = change if isinstance(change, dict) else {"change": change}
                problems.append(("a change without a field name and a value object", kept))
    return changes, problems


class MetaWebhookReceiver(WebhookReceiver):
    """Routes Meta's leadgen, feed and Instagram comment changes to the sources that watch them."""

    name = "meta"

    def __init__(self, sources: Mapping[str, Source[Any, Any]], context: WebhookContext) -> None:
        super().__init__(sources, context)
        self.lead_sources = {n: s for n, s in sources.items() if isinstance(s, MetaLeadAdsSource)}
        self.comment_sources = {n: s for n, s in sources.items() if isinstance(s, MetaCommentsSource)}
        metas: list[MetaLeadAdsSource | MetaCommentsSource] = [
            *self.lead_sources.values(),
            *self.comment_sources.values(),
        ]
        secrets = {s.config.app_secret.get_secret_value() for s in metas if s.config.app_secret}
        tokens = {s.config.verify_token.get_secret_value() for s in metas if s.config.verify_token}
        if len(secrets) > 1 or len(tokens) > 1:
            raise ValueError(
                "the Meta sources name different app_secret or verify_token values; one Meta app "
                "serves one webhook endpoint, so give them the same"
            )
        self._secret = next(iter(secrets), None)
        self._verify_token = next(iter(tokens), None)

    @classmethod
    def serves(cls, sources: Mapping[str, Source[Any, Any]]) -> bool:
        """True when a Meta lead-ads or comments source is configured."""
        return any(isinstance(s, MetaLeadAdsSource | MetaCommentsSource) for s in sources.values())

    def handshake(self, query: Mapping[str, str]) -> str | None:
        """Echo ``hub.challenge`` unchanged when the mode and verify token are right."""
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") != "subscribe" or not self._verify_token:
            return None
        if not hmac.compare_digest(token.encode(), self._verify_token.encode()):
            return None
        return query.get("hub.challenge", "")

    def _verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        # Each reason starts with its kind ("unsigned: ..."): the web app counts refusals by it
        # (socialleads/web/refusals.py). Reasons are fixed phrases: nothing of the request is echoed.
        if not self._secret:
            raise WebhookRejected(
                403,
                "not configured: no app_secret is configured for the Meta sources, so no delivery can "
                "be verified; set app_secret in their config",
            )
        given = headers.get("x-hub-signature-256", "")
        if not given:
            raise WebhookRejected(403, "unsigned: the X-Hub-Signature-256 header is missing")
        expected = "sha256=" + hmac.new(self._secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected(
                403,
                "bad signature: X-Hub-Signature-256 does not match the body (if every delivery is "
                "refused so, app_secret is not the secret of the Meta app that sends them)",
            )

    def accept(self, body: bytes, headers: Mapping[str, str]) -> WebhookAcceptance:
        """Verify the signature on the raw bytes, then turn each change into a job or an unrouted item.

        Raises ``WebhookRejected``: 403 unsigned or badly signed, 400 for a body that is not JSON, nests
        deeper than ``MAX_DEPTH`` or has no entry list (never an error that would answer 500, which Meta
        retries for 36 hours).
        """
        self._verify(body, headers)
        document = parse_delivery(body)
        if not isinstance(document, dict) or not isinstance(document.get("entry"), list):
            raise WebhookRejected(400, "malformed: the body has no entry list")
        acceptance, tally = WebhookAcceptance(), _Tally()
        leads: Leads = {}
        kind = document.get("object")
        for entry in document["entry"]:
            changes, problems = changes_of(entry)
            acceptance.unrouted.extend(problems)
            entry_id = (_as_id(entry.get("id")) or "") if isinstance(entry, dict) else ""
            for name, value in changes:
                self._route(kind, entry_id, name, value, acceptance, leads, tally)
        for source_name, wanted in leads.items():
            fetch = _bind(self._fetch_leads, self.lead_sources[source_name], wanted)
            ids = ", ".join(leadgen_id for _, leadgen_id, _ in wanted)
            acceptance.jobs.append(self._job(f"lead {ids} for {source_name}", source_name, fetch))
        acceptance.summary = tally.summary(kind, acceptance)
        return acceptance

    def _route(
        self,
        kind: Any,
        entry_id: str,
        name: str,
        value: dict[str, Any],
        acceptance: WebhookAcceptance,
        leads: Leads,
        tally: _Tally,
    ) -> None:
        """Send one change where it belongs: a lead to fetch, a comment to build, or parked with why."""
        if kind == "page" and name == "leadgen":
            tally.fields["leadgen"] += 1
            self._leadgen(entry_id, value, acceptance, leads)
        elif kind == "page" and name == "feed":
            tally.fields["feed"] += 1
            self._feed(entry_id, value, acceptance, tally)
        elif kind == "instagram" and name == "comments":
            tally.fields["comments"] += 1
            self._comment(entry_id, value, acceptance, instagram=True)
        else:
            tally.fields["other"] += 1
            acceptance.unrouted.append((f"no source reads {name!r} changes of {kind!r} objects", value))

    def _leadgen(
        self, entry_id: str, value: dict[str, Any], acceptance: WebhookAcceptance, leads: Leads
    ) -> None:
        """Add the lead to ``leads`` under the source that claims its page and form, or park it."""
        leadgen_id, page_id = _as_id(value.get("leadgen_id")), _as_id(value.get("page_id")) or entry_id
        form_id = _as_id(value.get("form_id"))
        if leadgen_id is None:
            acceptance.unrouted.append(("a leadgen change without leadgen_id", value))
            return
        if entry_id in TEST_IDS or leadgen_id in TEST_IDS:
            acceptance.test = True
            return
        for name, source in self.lead_sources.items():
            if source.claims(page_id, form_id):
                leads.setdefault(name, []).append((page_id, leadgen_id, form_id))
                return
        acceptance.unrouted.append((f"no meta_lead_ads source watches page {page_id} form {form_id}", value))

    def _feed(
        self, page_id: str, value: dict[str, Any], acceptance: WebhookAcceptance, tally: _Tally
    ) -> None:
        """A comment added or edited goes to the source that watches the page; other feed items (posts,
        reactions, shares) and removed or hidden comments are counted as ignored, with why."""
        if page_id in TEST_IDS:
            acceptance.test = True
            return
        item, verb = value.get("item"), value.get("verb")
        if item != "comment":
            tally.ignored["feed changes that are not comments (only comments are read)"] += 1
        elif verb != "add" and verb not in EDIT_VERBS:
            # A removed or hidden comment stays what it was when read; the delivery keeps the change.
            log.info("page %s: comment %s %s: ignored", page_id, value.get("comment_id"), verb)
            tally.ignored[f"comment changes with verb {verb!r} (only new and edited comments are read)"] += 1
        else:
            self._comment(page_id, value, acceptance, instagram=False)

    def _comment(
        self, object_id: str, value: dict[str, Any], acceptance: WebhookAcceptance, instagram: bool
    ) -> None:
        """Make a job building the comment's event for the source that watches ``object_id``, or park it."""
        if object_id in TEST_IDS:
            acceptance.test = True
            return
        platform = "instagram" if instagram else "facebook"
        comment_id = value.get("id") if instagram else value.get("comment_id")
        if comment_id is None or (not instagram and value.get("post_id") is None):
            needed = "id" if instagram else "comment_id and post_id"
            article = "an" if instagram else "a"
            acceptance.unrouted.append((f"{article} {platform} comment change without its {needed}", value))
            return
        for name, source in self.comment_sources.items():
            if source.claims_object(object_id):
                build = source.event_from_instagram_change if instagram else source.event_from_feed_change
                edited = " (edited)" if value.get("verb") in EDIT_VERBS else ""
                make = _bind(_events_of, build, object_id, value)
                acceptance.jobs.append(
                    self._job(f"{platform} comment {comment_id}{edited} for {name}", name, make)
                )
                return
        where = "instagram account" if instagram else "page"
        acceptance.unrouted.append((f"no meta_comments source watches {where} {object_id}", value))

    @staticmethod
    def _fetch_leads(source: MetaLeadAdsSource, wanted: list[tuple[str, str, str | None]]) -> list[RawEvent]:
        """Fetch the leads one delivery announced for one source, side by side, to be stored together.

        Meta batches the changes of a burst into one delivery; fetching them at once and storing and
        delivering them as one chunk spares the later ones from queueing behind the earlier ones.
        A lead that cannot be fetched is left to the next poll.
        """
        if len(wanted) == 1:  # the usual delivery: no thread to start
            return _events(_fetched(source, *wanted[0]))
        with ThreadPoolExecutor(
            min(len(wanted), MAX_PARALLEL_FETCHES), thread_name_prefix="meta-fetch"
        ) as pool:
            return _events(*pool.map(lambda lead: _fetched(source, *lead), wanted))

    def _job(self, description: str, source_name: str, build: Callable[[], list[RawEvent]]) -> WebhookJob:
        def run() -> None:
            events = build()
            if events:
                self.context.ingest(source_name, events)

        return WebhookJob(description, run)


def _events(*maybe: RawEvent | None) -> list[RawEvent]:
    """The events that were made (a builder returns None for what it leaves to the next poll)."""
    return [event for event in maybe if event is not None]


def _events_of(build: Callable[..., RawEvent | None], *args: Any) -> list[RawEvent]:
    return _events(build(*args))


def _fetched(
    source: MetaLeadAdsSource, page_id: str, leadgen_id: str, form_id: str | None
) -> RawEvent | None:
    """The lead as an event, or None (logged) when it cannot be fetched now; the next poll reads it."""
    try:
        return source.fetch_lead(page_id, leadgen_id, form_id)
    except SourceError as exc:
        log.warning("lead %s left to the next poll: %s", leadgen_id, REDACTOR.scrub(str(exc)))
        return None


def _bind(function: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    return lambda: function(*args)

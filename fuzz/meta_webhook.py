"""Fuzz target: Meta's webhook receiver (``connectors.meta.webhook.MetaWebhookReceiver.accept``).

Feeds arbitrary bytes as a delivery's body. The first byte picks how it arrives: ``u`` sends the rest
*unsigned* (its first line is the ``X-Hub-Signature-256`` header, the remainder the body); any other
byte sends the rest *signed* with the app secret, as Meta signs it, so the input gets past the
signature into the JSON and shape handling. The receiver serves one ``meta_lead_ads`` source (page
``111``) and one ``meta_comments`` source (page ``222``, Instagram not linked, so nothing is looked up
on the network); ``accept`` makes no call, its jobs are not run.

A finding is:

- any exception but ``socialleads.errors.WebhookRejected``; for an unsigned body anything but a 403
  rejection, for a signed one a 403 or a status other than 400 and 413;
- something lost from a delivery ``accept`` took: every entry and change of the body ends as a job,
  an unrouted item with its reason, or an ignored change counted in the summary (only the dashboard's
  test ids may vanish, flagged as ``test``); and what is kept (summary, reasons, unrouted items) can be
  stored (``harness.storable``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sys
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # ``python fuzz/meta_webhook.py``: import ``fuzz`` from the repository root
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from fuzz.harness import Finding, instrumented, main, storable

with instrumented(__name__, ["socialleads", "connectors"]):
    from connectors.meta.comments import MetaCommentsSource
    from connectors.meta.comments_config import MetaCommentsConfig
    from connectors.meta.lead_ads import MetaLeadAdsSource
    from connectors.meta.lead_config import MetaLeadAdsConfig
    from connectors.meta.webhook import MetaWebhookReceiver
    from socialleads.contracts import ConnectorContext, Source, WebhookAcceptance, WebhookContext
    from socialleads.errors import WebhookRejected

APP_SECRET = "fuzz-app-secret"  # noqa: S105 - a made-up secret the target signs with
LEADS, COMMENTS = "leads", "comments"
UNSIGNED = ord("u")
_IGNORED = re.compile(r"; ignored (\d+) (?=feed changes that are not comments|comment changes with verb )")


def make_receiver() -> MetaWebhookReceiver:
    """The receiver the bot would build for a lead-ads source on page 111 and comments on page 222."""
    leads = MetaLeadAdsConfig.model_validate(
        {"app_secret": APP_SECRET, "verify_token": "v", "pages": [{"id": "111", "token": "page-token"}]}
    )
    comments = MetaCommentsConfig.model_validate(
        {
            "app_secret": APP_SECRET,
            "pages": [{"id": "222", "token": "page-token", "instagram": False}],
        }
    )
    sources: dict[str, Source[Any, Any]] = {
        LEADS: MetaLeadAdsSource(leads, ConnectorContext(instance=LEADS)),
        COMMENTS: MetaCommentsSource(comments, ConnectorContext(instance=COMMENTS)),
    }
    return MetaWebhookReceiver(sources, WebhookContext(ingest=lambda name, events: None))


RECEIVER = make_receiver()


def signature(body: bytes, secret: str = APP_SECRET) -> str:
    """``X-Hub-Signature-256`` as Meta computes it over the exact bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check(data: bytes) -> None:
    """One fuzz input: ``u<header>\\n<body>`` unsigned, else ``<any byte><body>`` signed."""
    if data[:1] == bytes([UNSIGNED]):
        header, _, body = data[1:].partition(b"\n")
        check_unsigned(body, header.decode("latin-1"))
    else:
        check_signed(data[1:])


def check_unsigned(body: bytes, header: str | None) -> None:
    """A body with a header that is not its signature (or none) is refused with 403, whatever it holds."""
    if header == signature(body):
        return  # the fuzzer forged an HMAC: impossible in practice, and then it is signed
    headers = {} if header is None else {"x-hub-signature-256": header}
    try:
        RECEIVER.accept(body, headers)
    except WebhookRejected as exc:
        if exc.status != 403:
            raise Finding(f"an unsigned body was refused with {exc.status}, not 403: {exc}") from None
        return
    raise Finding("an unsigned body was accepted")


def check_signed(body: bytes) -> WebhookAcceptance | None:
    """A signed body is accepted with nothing lost, or refused as malformed (400) or too large (413)."""
    try:
        acceptance = RECEIVER.accept(body, {"x-hub-signature-256": signature(body)})
    except WebhookRejected as exc:
        if exc.status not in (400, 413):
            raise Finding(f"a correctly signed body was refused with {exc.status}: {exc}") from None
        return None
    check_nothing_lost(body, acceptance)
    return acceptance


def items_in(document: dict[str, Any]) -> int:
    """How many things a delivery holds, by the shapes the receiver documents: each entry that is not
    an object or has no known shape is one; in an entry with ``changes`` (or its own ``field`` and
    ``value``) each change is one, and each item of a ``value`` that is a list is one."""
    count = 0
    for entry in document["entry"]:
        if not isinstance(entry, dict):
            count += 1
            continue
        if isinstance(entry.get("changes"), list):
            changes = entry["changes"]
        elif "field" in entry:
            changes = [entry]
        else:
            count += 1
            continue
        for change in changes:
            value = change.get("value") if isinstance(change, dict) else None
            count += len(value) if isinstance(value, list) else 1
    return count


def check_nothing_lost(body: bytes, acceptance: WebhookAcceptance) -> None:
    """Every item of the body is a job, unrouted with a reason, or counted as ignored; all can be stored."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise Finding(f"a body that is not JSON was accepted: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("entry"), list):
        raise Finding("a body without an entry list was accepted")
    if not isinstance(acceptance.summary, str) or not acceptance.summary:
        raise Finding("an accepted delivery has no summary")
    storable(acceptance.summary, "the delivery's summary")
    for reason, item in acceptance.unrouted:
        if not isinstance(reason, str) or not reason.strip() or not isinstance(item, dict):
            raise Finding(f"an unrouted item without a reason or not an object: {reason!r}")
        storable(reason, "an unrouted item's reason")
        storable(item, "an unrouted item")
    descriptions = [job.description for job in acceptance.jobs]
    lead_jobs = sum(1 for d in descriptions if d.endswith(f" for {LEADS}"))
    comment_jobs = sum(1 for d in descriptions if d.endswith(f" for {COMMENTS}"))
    if lead_jobs + comment_jobs != len(descriptions) or lead_jobs > 1:
        raise Finding(f"jobs for sources that are not configured, or two for one source: {descriptions}")
    ignored = sum(int(n) for n in _IGNORED.findall(acceptance.summary))
    held = items_in(document)
    placed = len(acceptance.unrouted) + ignored + comment_jobs  # each is one item; a lead job holds >= 1
    if acceptance.test:
        # The dashboard's test ids are dropped (flagged as the test payload): only bound what is left.
        if placed + lead_jobs > held:
            raise Finding(f"{placed + lead_jobs} items placed from a delivery of {held}")
    elif (held - placed < 0) or ((held - placed > 0) != (lead_jobs == 1)):
        raise Finding(
            f"a delivery of {held} items: {len(acceptance.unrouted)} unrouted, {ignored} ignored, "
            f"{comment_jobs} comment jobs and {lead_jobs} lead jobs ({acceptance.summary})"
        )


if __name__ == "__main__":
    main("meta_webhook", check)

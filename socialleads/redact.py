"""Keeping secrets and personal data out of logs and error messages.

Every secret the configuration resolves is registered here (``secret_values``: each ``SecretStr``, and
the secret parts of every URL a connector is configured with); the log formatter installed by the CLI
replaces registered secrets, phone numbers and email addresses in every line it writes, tracebacks
included. Connectors still build their messages from ids, not from URLs or bodies.

Scrubbing runs in time linear in the text's length whatever the text (a log line may quote a
stranger's input): the patterns below use possessive quantifiers (Python 3.11,
https://docs.python.org/3/library/re.html#regular-expression-syntax) and start an address only where
a run of address characters starts, so no input makes them backtrack quadratically.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator
from urllib.parse import unquote, unquote_plus, urlsplit

from pydantic import AnyUrl, BaseModel, SecretStr

# An international number: "+", a digit, 6 to 18 digits or separators, a digit. The bounded
# repetition keeps each attempt short, so the pattern is linear on any input.
_PHONE = re.compile(r"(?<![\w+])\+\d[\d\s().-]{6,18}\d")
#: The longest text ``_PHONE`` matches.
_PHONE_REACH = 21
# An email address: a run of [\w.+-], "@", a domain with at least one dot. Equivalent to the plain
# ``[\w.+-]+@[\w-]+(?:\.[\w-]+)+`` (whose classes exclude what follows each part, so possessive
# quantifiers change no result), but tried only where a run of local-part characters starts: tried
# at every character of a long run, the plain pattern scanned the rest of the run each time
# (40,000 underscores took 16 seconds).
_EMAIL_AT_RUN_START = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++")
# The same address, tried at one position (``match``): right after an address that ended in the
# middle of a run (``a@b.com+c@d.com``), where the plain pattern's next match starts.
_EMAIL_HERE = re.compile(r"[\w.+-]++@[\w-]++(?:\.[\w-]++)++")
#: Characters an address is made of, "@" included; and how far around a cut one is looked for.
_EMAIL_CHARS = re.compile(r"[\w.+@-]*+")
_EMAIL_REACH = 320
MASK = "***"
EMAIL_MASK = "<email>"


def _email_spans(text: str) -> Iterator[tuple[int, int]]:
    """The (start, end) of each email address in ``text``, as ``re.finditer`` of the plain pattern
    would find them, in linear time."""
    if "@" not in text:
        return
    found = _EMAIL_AT_RUN_START.search(text)
    while found is not None:
        yield found.span()
        end = found.end()
        found = _EMAIL_HERE.match(text, end) if text[end : end + 1] in (".", "+") else None
        if found is None:
            found = _EMAIL_AT_RUN_START.search(text, end)


def _mask_emails(text: str) -> str:
    pieces: list[str] = []
    done = 0
    for start, end in _email_spans(text):
        pieces += [text[done:start], EMAIL_MASK]
        done = end
    return "".join([*pieces, text[done:]]) if pieces else text


def _plain(values: Iterable[str | SecretStr | None]) -> set[str]:
    """The values of ``values`` worth masking (strings of 4 characters or more)."""
    found = {v.get_secret_value() if isinstance(v, SecretStr) else v for v in values if v is not None}
    return {v for v in found if len(v) >= 4}


class Redactor:
    """A registry of secret values and the scrubber that masks them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def register(self, values: Iterable[str]) -> None:
        """Mask these values from now on (values shorter than 4 characters are ignored as too common)."""
        with self._lock:
            merged = set(self._secrets) | _plain(values)
            self._secrets = tuple(sorted(merged, key=len, reverse=True))

    def snapshot(self) -> tuple[str, ...]:
        """The values registered now, for ``restore`` (tests keep one test's secrets from the next)."""
        return self._secrets

    def restore(self, snapshot: tuple[str, ...]) -> None:
        """Mask exactly the values of an earlier ``snapshot`` again."""
        with self._lock:
            self._secrets = snapshot

    def scrub(self, text: str, limit: int | None = None, also: Iterable[str | SecretStr | None] = ()) -> str:
        """``text`` with registered secrets, phone numbers and email addresses masked.

        ``also`` are more values to mask in this text only (a connector's own token). With ``limit``,
        only the first ``limit`` characters of ``text`` are kept, and the work done does not grow
        with the rest: a secret, phone number or address the cut would split is dropped whole and
        ``***`` ends the text, so no recognisable prefix of one is left.
        """
        secrets = self._secrets
        extra = _plain(also)
        if extra - set(secrets):
            secrets = tuple(sorted(set(secrets) | extra, key=len, reverse=True))
        if limit is not None and len(text) > limit:
            cut = _safe_cut(text, limit, secrets)
            head = _scrubbed(text[:cut], secrets)
            return (head + MASK if cut < limit else head)[:limit]
        return _scrubbed(text, secrets)


def _scrubbed(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return _mask_emails(_PHONE.sub("+" + MASK, text))


def _safe_cut(text: str, limit: int, secrets: tuple[str, ...]) -> int:
    """Where to cut ``text`` to keep at most ``limit`` characters without splitting a secret, a phone
    number or an email address: ``limit``, or the start of the first one that spans it."""
    cut = limit
    while True:
        starts = [_secret_across(text, cut, secrets), _phone_across(text, cut), _email_across(text, cut)]
        found = [s for s in starts if s is not None]
        if not found:
            return cut
        cut = min(found)  # strictly before ``cut``: the loop ends


def _secret_across(text: str, cut: int, secrets: tuple[str, ...]) -> int | None:
    """The first start of a secret that begins before ``cut`` and ends after it."""
    starts = []
    for secret in secrets:
        # An occurrence wholly inside [cut - len + 1, cut + len - 1) spans the cut.
        at = text.find(secret, max(0, cut - len(secret) + 1), cut + len(secret) - 1)
        if at != -1:
            starts.append(at)
    return min(starts, default=None)


def _phone_across(text: str, cut: int) -> int | None:
    for at in range(max(0, cut - _PHONE_REACH), cut):
        if text[at] == "+" and (found := _PHONE.match(text, at)) is not None and found.end() > cut:
            return at
    return None


def _email_across(text: str, cut: int) -> int | None:
    """The start of an email address that spans ``cut``, found among the address characters around
    it (an address cannot cross any other character, so they are read alone)."""
    before = _EMAIL_CHARS.match(text[max(0, cut - _EMAIL_REACH) : cut][::-1])
    after = _EMAIL_CHARS.match(text, cut, cut + _EMAIL_REACH)
    low = cut - (before.end() if before else 0)
    high = after.end() if after else cut
    region = text[low:high]
    for start, end in _email_spans(region):
        if low + start < cut < low + end:
            return low + start
    return None


REDACTOR = Redactor()

# --- the secret parts of URLs --------------------------------------------------------------------

# Words a query parameter's (or a header's, a map key's) name holds when its value is a secret:
# ``token``, ``access_token``, ``X-Amz-Signature``, ``hub.verify_token``, ``apiKey``, ``sig``...
_SECRET_WORDS = frozenset(
    {
        "token", "key", "secret", "sig", "signature", "code", "auth", "authorization", "password",
        "passwd", "pass", "pwd", "session", "sessionid", "sid", "credential", "credentials", "jwt",
    }
)  # fmt: skip
_SECRET_ENDINGS = ("token", "secret", "key", "password", "signature")
_NOT_SECRET_VALUES = frozenset({"true", "false", "null", "none", "yes", "no"})
# Webhook URLs whose path is their secret (anyone who has the URL can post), known without naming a
# vendor (the core names none, tests/unit/test_import_contracts.py): a key-like segment after
# ``hooks``/``webhooks``/``webhookb2`` (Discord's /api/webhooks/<id>/<token>,
# https://discord.com/developers/docs/resources/webhook; Teams' Office 365 connectors' /webhookb2/...,
# https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook;
# Zapier's /hooks/catch/...; Mattermost's /hooks/<key>), two id-like segments (Slack's
# /services/T.../B.../<24 characters>, https://api.slack.com/messaging/webhooks), or a random-looking
# segment of 20 characters or more (Make's hook.<zone>.make.com/<32 characters>). Power Automate
# and Logic Apps workflow URLs carry their secret in the ``sig`` parameter instead.
_HOOK_SEGMENTS = frozenset({"hooks", "hook", "webhooks", "webhook", "webhookb2"})


def is_secret_name(name: str) -> bool:
    """True when a query parameter, header or key named ``name`` holds a secret by its name."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).lower()  # apiKey -> api key
    words = [w for w in re.split(r"[^a-z0-9]+", spaced) if w]
    return any(w in _SECRET_WORDS or w.endswith(_SECRET_ENDINGS) for w in words)


def _is_secret_key(name: str) -> bool:
    """True for a map key (a header's name) whose value is a secret: stricter than query parameters,
    where ``code`` or ``session`` say more than in a map of field names."""
    words = re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).lower())
    return any(w in ("authorization", "auth", "apikey", "sig") or w.endswith(_SECRET_ENDINGS) for w in words)


def _secret_pairs(text: str) -> list[str]:
    """The values of secret-named ``name=value`` pairs of a query or fragment, as written and decoded."""
    found: list[str] = []
    for pair in re.split(r"[&;]", text):
        name, sep, value = pair.partition("=")
        if sep and value and is_secret_name(unquote_plus(name)) and value.lower() not in _NOT_SECRET_VALUES:
            found += [value, unquote_plus(value)]
    return found


def _path_is_secret(segments: list[str]) -> bool:
    """True for a webhook path that is its own secret (see ``_HOOK_SEGMENTS``)."""
    if any(_is_random(s) for s in segments) or sum(_is_key_like(s) for s in segments) >= 2:
        return True
    hooked = [i for i, s in enumerate(segments) if s.lower() in _HOOK_SEGMENTS]
    return bool(hooked) and any(_is_key_like(s) for s in segments[hooked[0] + 1 :])


def _is_random(segment: str) -> bool:
    """A segment of 20 or more letters, digits, ``_`` and ``-`` with two of lower case, upper case
    and digits (a 24-character random key lacks one of them far less often than once in 10**6)."""
    if len(segment) < 20 or re.fullmatch(r"[\w-]+", segment, re.ASCII) is None:
        return False
    kinds = [any(test(c) for c in segment) for test in (str.islower, str.isupper, str.isdigit)]
    return sum(kinds) >= 2


def secret_parts_of_url(url: str, whole_is_secret: bool = False) -> list[str]:
    """The parts of an http(s) ``url`` that are secrets, as written and percent-decoded; [] for text
    that is not such a URL.

    Those are the values of query (and fragment) parameters named like secrets (``token``, ``key``,
    ``sig``...), the password of ``https://user:password@host`` (the user of a password-less
    ``https://token@host`` when it is long enough to be a token), and, for webhook URLs whose path
    is the secret (``.../hooks/<key>``, random-looking segments: Slack, Discord...), the URL, its
    path and query, and its id-like path segments. ``whole_is_secret`` treats any URL so (a ``SecretStr``
    URL). Libraries log the path and query of a request without the host (urllib3's retry warning),
    so the parts are registered too, not only the URL.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        password, username = parts.password, parts.username
    except ValueError:
        return []
    if parts.scheme.lower() not in ("http", "https") or not host:
        return []
    found = _secret_pairs(parts.query) + _secret_pairs(parts.fragment)
    if password:
        found += [password, unquote(password)]
    elif username and len(username) >= 12:
        found += [username, unquote(username)]
    segments = [s for s in parts.path.split("/") if s]
    if whole_is_secret or _path_is_secret(segments):
        tail = parts.path + (f"?{parts.query}" if parts.query else "")
        found += [url, tail, parts.path, parts.query]
        found += [piece for s in segments if _is_key_like(s) for piece in (s, unquote(s))]
    return [f for f in dict.fromkeys(found) if len(f) >= 4]


def _is_key_like(segment: str) -> bool:
    """True for a path segment that looks like an id or a key (``T0123ABCD``, a 24-character
    token), not like a word of the route (``services``, ``IncomingWebhook``)."""
    if segment.lower() in _HOOK_SEGMENTS:
        return False
    return len(segment) >= 20 or (len(segment) >= 8 and any(c.isdigit() for c in segment))


def _secrets_in(value: object, name: str = "") -> list[str]:
    """The secrets held by one config value found under ``name``."""
    if isinstance(value, SecretStr):
        plain = value.get_secret_value()
        return [plain, *secret_parts_of_url(plain, whole_is_secret=True)]
    if isinstance(value, BaseModel):
        return secret_values(value)
    if isinstance(value, AnyUrl):
        value = str(value)
    if isinstance(value, str):
        if value.lower().startswith(("http://", "https://")):
            return secret_parts_of_url(value)
        return [value] if len(value) >= 8 and _is_secret_key(name) else []
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in _secrets_in(item, str(key))]
    if isinstance(value, list | tuple | set | frozenset):
        return [s for item in value for s in _secrets_in(item)]
    return []


def secret_values(model: BaseModel) -> list[str]:
    """Every secret ``model`` and its nested models, lists and maps hold: each ``SecretStr`` value
    (and, when it is a URL, its path and pieces), the secret parts of every http(s) URL
    (``secret_parts_of_url``), and the string values of maps under secret-named keys (a webhook's
    ``X-Api-Key`` header)."""
    found: list[str] = []
    for name in type(model).model_fields:
        found += _secrets_in(getattr(model, name))
    return found


#: Every log line the CLI writes: time, level, logger, message (then the traceback, if any).
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """A formatter whose every output line (message and traceback) passes through ``REDACTOR``."""

    def format(self, record: logging.LogRecord) -> str:
        return REDACTOR.scrub(super().format(record))

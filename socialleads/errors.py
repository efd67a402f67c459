"""The one exception hierarchy, organised by what the runner does next.

Connectors classify what went wrong by raising one of these; the runner and the dispatcher decide
what happens (disable, re-auth, wait, back off, dead-letter). ``docs/connectors.md`` ("Errors:
classify, the runner decides") lists what each one leads to. A connector never catches what it
cannot act on, and no message here ever carries a secret: build messages from ids and codes, not
from URLs or request bodies (facebook-sdk puts tokens in URLs).
"""

from __future__ import annotations

from datetime import datetime


class SocialLeadsError(Exception):
    """Root of every error the bot raises on purpose."""


# --- Source errors: raised by Source.check() / Source.fetch() / Source.parse() -------------------


class SourceError(SocialLeadsError):
    """Base of errors a source raises; the runner maps each subclass to a health state."""


class ConfigurationError(SourceError):
    """The configuration cannot work as written: a person must change it, and nothing retries until then.

    Raised by a source when the platform says its configuration cannot work (unknown page, form,
    account): the runner disables the source and tells the admin once. Raised too when the
    configuration is loaded, for a file or setting, with where it is and how to fix it (``file``,
    ``line``, ``key``, ``fix``); the loader raises every such problem at once as
    ``ConfigurationErrors`` and the bot does not start. ``str()`` is a complete sentence for a person:
    ``config/sources.yaml:4: sources.fair.evrey: unknown key 'evrey' (fix: did you mean 'every'?)``.
    """

    def __init__(
        self, problem: str, *, file: str = "", key: str = "", fix: str = "", line: int | None = None
    ) -> None:
        self.problem = problem
        self.file = file
        self.key = key
        self.fix = fix
        self.line = line
        text = f"{key}: {problem}" if key else problem
        if file:
            text = f"{file}:{line}: {text}" if line else f"{file}: {text}"
        if fix:
            text += f" (fix: {fix})"
        super().__init__(text)


class ConfigurationErrors(SocialLeadsError):
    """Every ``ConfigurationError`` found in one load of the configuration, so a person fixes them all
    at once."""

    def __init__(self, errors: list[ConfigurationError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class AuthError(SourceError):
    """The credentials are invalid, expired or lack a permission.

    The runner marks the source as needing re-authentication and stops calling it; no retries.
    """


class RateLimitedError(SourceError):
    """The platform asked us to slow down. ``reset_at`` is the first moment a call may be made.

    The runner stores it as "no call before reset_at"; nobody sleeps.
    """

    def __init__(self, message: str, reset_at: datetime) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class TransientError(SourceError):
    """A failure that may pass by itself (5xx, timeout, connection reset).

    The runner backs off exponentially on consecutive failures.
    """


class SkippableRecordError(SourceError):
    """One record cannot be used (malformed row, deleted lead); the poll goes on without it.

    The runner dead-letters the raw event verbatim with this message as the reason.
    """


class WebhookRejected(SocialLeadsError):
    """A webhook request is refused (bad signature, unreadable body); nothing from it is stored.

    ``status`` is the HTTP status to answer (403 for a bad signature, 400 for a malformed body).
    """

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


# --- Sink errors: raised by Sink.deliver() ---------------------------------------------------------


class DeliveryError(SocialLeadsError):
    """Base of errors a sink raises from deliver()."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (4xx validation error, rejected by a duplicate rule).

    The dispatcher dead-letters the delivery at once with this message.
    """


class RetriableDeliveryError(DeliveryError):
    """The attempt failed but a later one may succeed (5xx, timeout, 429).

    ``retry_after`` (seconds), when the receiver said so, overrides the computed backoff.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SinkNeedsAdminError(RetriableDeliveryError):
    """The receiver refuses every delivery until an admin acts: a revoked or expired token, a missing
    permission. Not the lead's fault, so it is not dead-lettered: the dispatcher opens the sink's
    circuit at once, tells the admin (once) with this message, and the deliveries wait.
    """

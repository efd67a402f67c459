"""The Graph API's errors as the sandbox answers them: Meta's ``{"error": {...}}`` envelope.

Every error is HTTP 400 (throttles too: Meta does not send 429), except the unknown server error,
which is a 503 with code 1 and ``is_transient``. Codes, subcodes and messages follow
https://developers.facebook.com/docs/graph-api/guides/error-handling and
https://developers.facebook.com/docs/graph-api/overview/rate-limiting (the samples in
``tests/fixtures/meta/``).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

RATE_LIMITS_DOC = "https://developers.facebook.com/docs/graph-api/overview/rate-limiting"
GRAPH_DOC = "https://developers.facebook.com/docs/graph-api"

#: Throttle code → message (Platform limits 4, 17, 32, 613; Business Use Case limits 8000x).
THROTTLES: dict[int, str] = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again. "
    f"For more info, please refer to {RATE_LIMITS_DOC}.",
    80002: "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again. "
    f"For more info, please refer to {RATE_LIMITS_DOC}.",
    80005: "(#80005) There have been too many leadgen api calls to this Page account. Wait a bit and try "
    f"again. For more info, please refer to {RATE_LIMITS_DOC}.",
}


class GraphError(Exception):
    """An error the emulator answers with; ``body()`` is the JSON document."""

    def __init__(
        self,
        code: int,
        message: str,
        kind: str = "OAuthException",
        subcode: int | None = None,
        transient: bool | None = None,
        status: int = 400,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.kind = kind
        self.subcode = subcode
        self.transient = transient
        self.status = status
        self.fbtrace_id = secrets.token_urlsafe(8)

    def body(self) -> dict[str, Any]:
        """Meta's envelope: message, type, code, error_subcode when any, is_transient when set, fbtrace_id."""
        error: dict[str, Any] = {"message": self.message, "type": self.kind, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.transient is not None:
            error["is_transient"] = self.transient
        error["fbtrace_id"] = self.fbtrace_id
        return {"error": error}

    @property
    def is_token_error(self) -> bool:
        """Token errors also carry a ``WWW-Authenticate`` header, as on Graph."""
        return self.code in (102, 190)


def invalid_token() -> GraphError:
    """Missing, malformed or unknown token."""
    return GraphError(190, "Invalid OAuth access token - Cannot parse access token")


def expired_token(expired_at: datetime, now: datetime) -> GraphError:
    """A token past its expiry: 190 with subcode 463."""
    when = "%A, %d-%b-%y %H:%M:%S UTC"
    return GraphError(
        190,
        f"Error validating access token: Session has expired on {expired_at.strftime(when)}. "
        f"The current time is {now.strftime(when)}.",
        subcode=463,
    )


def bad_proof() -> GraphError:
    """An ``appsecret_proof`` that is not HMAC-SHA256(app_secret, access_token)."""
    return GraphError(100, "Invalid appsecret_proof provided in the API argument", "GraphMethodException")


def unknown_object(object_id: str, method: str = "get") -> GraphError:
    """An id that does not exist or that this token may not see (subcode 33)."""
    return GraphError(
        100,
        f"Unsupported {method} request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
        f"missing permissions, or does not support this operation. Please read the Graph API documentation "
        f"at {GRAPH_DOC}",
        "GraphMethodException",
        subcode=33,
    )


def unknown_path(rest: str) -> GraphError:
    """A path with more components than any node or edge."""
    return GraphError(2500, f"Unknown path components: /{rest}")


def nonexisting_field(field: str, node_type: str) -> GraphError:
    """A field (or edge) the node type does not have."""
    return GraphError(100, f"(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})")


def not_emulated(field: str, node_type: str) -> GraphError:
    """An edge asked for as a field: Graph serves it, the sandbox does not; fail loudly, not silently."""
    return GraphError(
        100,
        f"(#100) The sandbox does not serve the edge ({field}) of node type ({node_type}) as a field; "
        f"read /{{id}}/{field} instead",
    )


def bad_param(message: str) -> GraphError:
    """An invalid parameter value."""
    return GraphError(100, f"(#100) {message}")


def missing_permission(permission: str) -> GraphError:
    """A read the token's scopes do not allow: 200 for leads and ads objects, 10 for pages and Instagram."""
    if permission in ("leads_retrieval", "pages_manage_ads", "pages_manage_metadata", "ads_management"):
        return GraphError(200, f"(#200) Requires {permission} permission to manage the object")
    if permission.startswith("instagram"):
        return GraphError(10, "(#10) Application does not have permission for this action")
    return GraphError(
        10,
        f"(#10) This endpoint requires the '{permission}' permission or the 'Page Public Content Access' "
        "feature. Refer to https://developers.facebook.com/docs/apps/review/login-permissions#manage-pages "
        "and https://developers.facebook.com/docs/apps/review/feature#reference-PAGES_ACCESS for details.",
    )


def page_token_required() -> GraphError:
    """Page-management calls made with another kind of token."""
    return GraphError(210, "(#210) A page access token is required to request this resource.")


def throttled(code: int) -> GraphError:
    """A rate-limit error (HTTP 400, ``is_transient``); an unknown code gets the generic 613 wording."""
    message = THROTTLES.get(code, f"(#{code}) Calls to this api have exceeded the rate limit.")
    return GraphError(code, message, transient=True)


def server_error() -> GraphError:
    """The unknown error Graph answers with a 5xx: code 1, subcode 99, transient."""
    return GraphError(1, "An unknown error occurred", subcode=99, transient=True, status=503)

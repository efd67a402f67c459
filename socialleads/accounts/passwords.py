"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's second recommended option).

https://argon2-cffi.readthedocs.io/en/stable/api.html
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()
MIN_LENGTH = 12
"""Shorter passwords are refused (NIST SP 800-63B asks for at least 8; we ask for 12)."""

#: Verified against when the account does not exist, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone's")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salt and parameters inside). Raises ``ValueError`` if too short."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    return _HASHER.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` is the one ``stored_hash`` was made from; always takes argon2's time."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (rehash at the next log-in)."""
    return _HASHER.check_needs_rehash(stored_hash)

"""Subsonic passwords: made, encrypted at rest, and checked against `p` or `t` + `s`.

Encrypted with Fernet (AES-128-CBC with an HMAC-SHA256, from `cryptography`) under a key derived from
SECRET_KEY by HKDF; a password encrypted under one of SECRET_KEY_FALLBACKS still reads, so rotating the
secret key does not lock every client out at once.
"""

import base64
import functools
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

GENERATED_BYTES = 18  # 24 URL-safe characters
MIN_LENGTH, MAX_LENGTH = 8, 128
_KEY_INFO = b"streamapp.subsonic.password.v1"


def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


@functools.cache
def _keys(secret: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet(secret), *(_fernet(fallback) for fallback in fallbacks)])


def _cipher() -> MultiFernet:
    return _keys(settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def generate() -> str:
    """Return a new random password (24 URL-safe characters)."""
    return secrets.token_urlsafe(GENERATED_BYTES)


def encrypt(password: str) -> str:
    return _cipher().encrypt(password.encode()).decode("ascii")


def decrypt(encrypted: str) -> str | None:
    """Return the password, or None when no current or fallback secret key can read it."""
    try:
        return _cipher().decrypt(encrypted.encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        return None


def token(password: str, salt: str) -> str:
    """Return md5(password + salt) in lower-case hex, the Subsonic token."""
    return hashlib.md5((password + salt).encode(), usedforsecurity=False).hexdigest()


def decode_plain(sent: str) -> str | None:
    """Return the password a `p` parameter carries (plain, or `enc:` and its UTF-8 bytes in hex), or
    None when its hex is not valid."""
    if not sent.startswith("enc:"):
        return sent
    try:
        return bytes.fromhex(sent[4:]).decode()
    except (ValueError, UnicodeError):
        return None


def matches(
    password: str, *, plain: str | None = None, sent_token: str | None = None, salt: str = ""
) -> bool:
    """Return whether a `p` (already decoded) or a `t` with its `s` proves the password."""
    if plain is not None:
        return hmac.compare_digest(plain.encode(), password.encode())
    if sent_token is None:
        return False
    return hmac.compare_digest(sent_token.lower().encode(), token(password, salt).encode())

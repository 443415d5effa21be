"""AES-256-GCM for API keys at rest: base64(iv12 ‖ tag16 ‖ ciphertext), key from ENCRYPTION_KEY."""

from __future__ import annotations

import base64
import binascii
import os

# `cryptography` is imported where a key is used, not with this module: it is tens of ms of every
# cold start, and most requests never encrypt or decrypt anything.

__all__ = ["EncryptionKeyError", "decrypt", "encrypt", "key_hint", "parse_key"]

_IV_BYTES = 12
_TAG_BYTES = 16


class EncryptionKeyError(ValueError):
    """The key is malformed, or a ciphertext was not made with it."""


def parse_key(raw: str) -> bytes:
    """Accept 64 hex digits or base64 of exactly 32 bytes."""
    raw = raw.strip()
    try:
        key = bytes.fromhex(raw) if len(raw) == 64 else base64.b64decode(raw, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise EncryptionKeyError("ENCRYPTION_KEY must be 32 bytes as 64 hex digits or base64") from exc
    if len(key) != 32:
        raise EncryptionKeyError("ENCRYPTION_KEY must be 32 bytes as 64 hex digits or base64")
    return key


def encrypt(plaintext: str, key: bytes) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    iv = os.urandom(_IV_BYTES)
    # AESGCM appends the tag to the ciphertext; our stored format puts it first.
    sealed = AESGCM(key).encrypt(iv, plaintext.encode("utf-8"), None)
    ciphertext, tag = sealed[:-_TAG_BYTES], sealed[-_TAG_BYTES:]
    return base64.b64encode(iv + tag + ciphertext).decode("ascii")


def decrypt(token: str, key: bytes) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        blob = base64.b64decode(token, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise EncryptionKeyError("stored value is not base64") from exc
    if len(blob) < _IV_BYTES + _TAG_BYTES:
        raise EncryptionKeyError("stored value is too short")
    iv, tag, ciphertext = blob[:_IV_BYTES], blob[_IV_BYTES : _IV_BYTES + _TAG_BYTES], blob[_IV_BYTES + _TAG_BYTES :]
    try:
        return AESGCM(key).decrypt(iv, ciphertext + tag, None).decode("utf-8")
    except InvalidTag as exc:
        raise EncryptionKeyError("stored value was not encrypted with this key") from exc


def key_hint(api_key: str) -> str:
    """'sk-proj-abc…wxyz' → 'sk-...wxyz': enough to recognise a key, never enough to use it."""
    api_key = api_key.strip()
    prefix = api_key[:3] if api_key.startswith("sk-") else ""
    return f"{prefix}...{api_key[-4:]}" if len(api_key) >= 8 else "..."

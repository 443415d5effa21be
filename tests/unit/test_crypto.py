"""API keys at rest: AES-256-GCM as base64(iv12 ‖ tag16 ‖ ciphertext)."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chatflow.crypto import EncryptionKeyError, decrypt, encrypt, key_hint, parse_key

KEY = bytes(range(32))


def test_encrypted_keys_decrypt_to_the_original() -> None:
    assert decrypt(encrypt("sk-proj-abc123", KEY), KEY) == "sk-proj-abc123"


def test_the_stored_format_is_iv_then_tag_then_ciphertext() -> None:
    blob = base64.b64decode(encrypt("sk-proj-abc123", KEY))
    iv, tag, ciphertext = blob[:12], blob[12:28], blob[28:]

    assert AESGCM(KEY).decrypt(iv, ciphertext + tag, None) == b"sk-proj-abc123"


def test_each_encryption_uses_a_fresh_iv() -> None:
    assert encrypt("same", KEY) != encrypt("same", KEY)


def test_another_key_cannot_decrypt() -> None:
    with pytest.raises(EncryptionKeyError):
        decrypt(encrypt("sk-secret", KEY), bytes(32))


@pytest.mark.parametrize("stored", ["not base64!", base64.b64encode(b"short").decode()])
def test_malformed_stored_values_are_refused(stored: str) -> None:
    with pytest.raises(EncryptionKeyError):
        decrypt(stored, KEY)


def test_keys_are_accepted_as_hex_or_base64() -> None:
    assert parse_key(KEY.hex()) == KEY
    assert parse_key(base64.b64encode(KEY).decode()) == KEY


@pytest.mark.parametrize("raw", ["", "abc", "zz" * 32, base64.b64encode(bytes(16)).decode()])
def test_keys_of_the_wrong_size_or_alphabet_are_refused(raw: str) -> None:
    with pytest.raises(EncryptionKeyError):
        parse_key(raw)


def test_the_hint_shows_the_prefix_and_last_four_only() -> None:
    assert key_hint("sk-proj-1234567890abcd") == "sk-...abcd"
    assert key_hint("another-provider-key-wxyz") == "...wxyz"
    assert key_hint("short") == "..."

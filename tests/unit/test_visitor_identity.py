"""A visitor's identity token (chatflow.visitor_identity.verify_token): HS256 signed with the
channel's secret, `sub` and `exp` required, `exp` at most 24 hours ahead; anything else is refused
with invalid_identity."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from uuid import uuid4

import jwt
import pytest

from chatflow.errors import InvalidIdentity
from chatflow.visitor_identity import VisitorIdentity, verify_token, visitor_id_of

SECRET = "cfid_unit-test-secret-of-the-channel-0123456789-0123456789-0123456789"
NOW = 1_800_000_000.0


def _token(secret: str = SECRET, algorithm: str = "HS256", **claims: Any) -> str:
    body: dict[str, Any] = {"sub": "user-42", "exp": int(NOW) + 3600, **claims}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, secret, algorithm=algorithm)


def _unsigned(**claims: Any) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'sub': 'user-42', 'exp': int(NOW) + 3600, **claims})}."


def test_a_valid_token_gives_the_users_id_name_and_email() -> None:
    identity = verify_token(_token(name="Ana Pérez", email="ana@example.com"), SECRET, now=NOW)

    assert identity == VisitorIdentity(user_id="user-42", name="Ana Pérez", email="ana@example.com")
    assert identity.metadata() == {
        "verified": True,
        "userId": "user-42",
        "name": "Ana Pérez",
        "email": "ana@example.com",
    }


@pytest.mark.parametrize(
    ("why", "token"),
    [
        ("expired", lambda: _token(exp=int(NOW) - 120)),
        (
            "signed with another secret",
            lambda: _token(secret="cfid_someone-elses-secret-0123456789abcdef-0123456789-0123456789-01"),
        ),
        ("alg none", lambda: _unsigned()),
        ("alg none with an empty signature of the right secret's shape", lambda: _unsigned(sub="admin")),
        ("no exp", lambda: _token(exp=None)),
        ("exp more than 24 hours ahead", lambda: _token(exp=int(NOW) + 25 * 3600)),
        ("no sub", lambda: _token(sub=None)),
        ("a sub that is not text", lambda: _token(sub=42)),
        ("HS512 instead of HS256", lambda: _token(algorithm="HS512")),
        ("not a token", lambda: "not.a.token"),
        ("empty", lambda: ""),
        ("longer than 4,096 characters", lambda: _token(name="x" * 5000)),
    ],
)
def test_a_token_that_is_not_valid_is_refused(why: str, token: Any) -> None:
    with pytest.raises(InvalidIdentity):
        verify_token(token(), SECRET, now=NOW)


def test_a_token_expired_by_the_real_clock_is_refused_too() -> None:
    token = jwt.encode({"sub": "user-42", "exp": int(time.time()) - 120}, SECRET, algorithm="HS256")

    with pytest.raises(InvalidIdentity):
        verify_token(token, SECRET)


def test_the_same_user_is_the_same_visitor_on_a_channel_and_another_on_another_channel() -> None:
    key, channel, other = b"k" * 32, uuid4(), uuid4()

    assert visitor_id_of(channel, "user-42", key) == visitor_id_of(channel, "user-42", key)
    assert visitor_id_of(channel, "user-42", key) != visitor_id_of(other, "user-42", key)
    assert visitor_id_of(channel, "user-42", key) != visitor_id_of(channel, "user-42", b"x" * 32)

"""Dashboard users for tests: real Cognito users (moto), real rows, real tokens."""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import jwt
import moto.cognitoidp
import psycopg
from fastapi.testclient import TestClient
from httpx2 import Response

from chatflow.settings import get_settings

__all__ = ["People", "Person", "forged_token"]

PASSWORD = "Test-passw0rd!"


@dataclass(frozen=True)
class Person:
    id: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class People:
    """Creates users with roles and calls the API as them."""

    client: TestClient
    db: psycopg.Connection[dict[str, Any]]

    def make(
        self,
        *,
        super_admin: bool = False,
        admin_of: list[UUID] | None = None,
        agent_of: list[UUID] | None = None,
        language: str = "en",
    ) -> Person:
        import boto3

        email = f"user-{uuid4().hex[:10]}@example.com"
        settings = get_settings()
        cognito: Any = boto3.client("cognito-idp")
        user = cognito.admin_create_user(
            UserPoolId=settings.cognito_user_pool_id,
            Username=email,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        )["User"]
        cognito.admin_set_user_password(
            UserPoolId=settings.cognito_user_pool_id, Username=email, Password=PASSWORD, Permanent=True
        )
        sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
        self.db.execute(
            "INSERT INTO users (id, email, name, is_super_admin, preferred_language, signed_in_at)"
            " VALUES (%s, %s, %s, %s, %s, now())",  # it signs in just below
            (sub, email, email.split("@")[0], super_admin, language),
        )
        for role, organizations in (("admin", admin_of or []), ("agent", agent_of or [])):
            for organization_id in organizations:
                self.db.execute(
                    "INSERT INTO organization_members (organization_id, user_id, role) VALUES (%s, %s, %s)",
                    (organization_id, sub, role),
                )
        tokens = cognito.initiate_auth(
            ClientId=settings.cognito_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        return Person(sub, email, tokens["AccessToken"])

    def get(self, who: Person | None, path: str, **params: Any) -> Response:
        return self.client.get(f"/api/dashboard{path}", headers=who.headers if who else {}, params=params)

    def post(self, who: Person | None, path: str, body: Any = None) -> Response:
        return self.client.post(f"/api/dashboard{path}", headers=who.headers if who else {}, json=body)

    def patch(self, who: Person | None, path: str, body: Any = None) -> Response:
        return self.client.patch(f"/api/dashboard{path}", headers=who.headers if who else {}, json=body)

    def put(self, who: Person | None, path: str, body: Any = None) -> Response:
        return self.client.put(f"/api/dashboard{path}", headers=who.headers if who else {}, json=body)

    def delete(self, who: Person | None, path: str) -> Response:
        return self.client.delete(f"/api/dashboard{path}", headers=who.headers if who else {})


def forged_token(*, sub: str, expired: bool = False, own_key: bool = False) -> str:
    """An access token with every right claim, either expired (signed with moto's real key) or
    signed with a key that is not the pool's."""
    settings = get_settings()
    now = int(time.time())
    claims = {
        "iss": settings.cognito_issuer,
        "sub": sub,
        "client_id": settings.cognito_client_id,
        "token_use": "access",
        "iat": now - 7200,
        "exp": now - 3600 if expired else now + 3600,
        "username": sub,
    }
    resources = Path(moto.cognitoidp.__file__).parent / "resources"
    private = json.loads(gzip.decompress((resources / "jwks-private.json.gz").read_bytes()))
    if own_key:
        from cryptography.hazmat.primitives.asymmetric import rsa

        key: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        key = jwt.PyJWK(private).key
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": private["kid"]})

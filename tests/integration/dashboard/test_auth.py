"""Sign-in through Cognito, and the verification every other route makes of its bearer token."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from infra.local.aws import LocalAws
from tests.support.people import PASSWORD, People, forged_token

Db = psycopg.Connection[dict[str, Any]]


def test_login_returns_cognito_tokens(people: People) -> None:
    person = people.make()

    answer = people.post(None, "/auth/login", {"email": person.email, "password": PASSWORD})

    assert answer.status_code == 200
    assert set(answer.json()) == {"idToken", "accessToken", "refreshToken", "expiresIn", "tokenType"}
    assert answer.json()["tokenType"] == "Bearer"


@pytest.mark.parametrize("password", ["wrong-password", ""])
def test_a_wrong_password_is_401_without_saying_which_part_was_wrong(people: People, password: str) -> None:
    person = people.make()

    answer = people.post(None, "/auth/login", {"email": person.email, "password": password or "x"})

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_credentials"


def test_an_unknown_email_answers_like_a_wrong_password(people: People) -> None:
    answer = people.post(None, "/auth/login", {"email": "nobody@example.com", "password": PASSWORD})

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_credentials"


def test_a_malformed_login_is_400_in_the_error_shape(people: People) -> None:
    answer = people.post(None, "/auth/login", {"email": "not-an-email"})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_first_login_links_the_cognito_user_to_its_row_by_email(people: People, db: Db) -> None:
    person = people.make()
    db.execute("UPDATE users SET id = 'stale-sub' WHERE id = %s", (person.id,))

    answer = people.post(None, "/auth/login", {"email": person.email.upper(), "password": PASSWORD})

    assert answer.status_code == 200
    assert db.execute("SELECT id FROM users WHERE email = %s", (person.email,)).fetchone() == {"id": person.id}


def test_a_cognito_user_without_a_row_is_refused(people: People, db: Db) -> None:
    person = people.make()
    db.execute("DELETE FROM users WHERE id = %s", (person.id,))

    answer = people.post(None, "/auth/login", {"email": person.email, "password": PASSWORD})

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unknown_user"


def test_refresh_returns_new_tokens(people: People) -> None:
    person = people.make()
    tokens = people.post(None, "/auth/login", {"email": person.email, "password": PASSWORD}).json()

    answer = people.post(None, "/auth/refresh", {"refreshToken": tokens["refreshToken"]})

    assert answer.status_code == 200
    assert answer.json()["accessToken"]
    assert answer.json()["refreshToken"] == tokens["refreshToken"]


def test_logout_revokes_the_refresh_token(people: People) -> None:
    person = people.make()
    tokens = people.post(None, "/auth/login", {"email": person.email, "password": PASSWORD}).json()

    answer = people.client.post(
        "/api/dashboard/auth/logout", headers={"Authorization": f"Bearer {tokens['accessToken']}"}
    )

    assert answer.status_code == 204
    assert people.post(None, "/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status_code == 401


def test_forgot_password_answers_the_same_for_unknown_emails(people: People) -> None:
    person = people.make()

    known = people.post(None, "/auth/forgot-password", {"email": person.email})
    unknown = people.post(None, "/auth/forgot-password", {"email": "nobody@example.com"})

    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json()) == (202, {"status": "sent"})


def test_confirm_forgot_password_sets_the_new_password(people: People) -> None:
    person = people.make()
    people.post(None, "/auth/forgot-password", {"email": person.email})

    answer = people.post(
        None,
        "/auth/confirm-forgot-password",
        {"email": person.email, "code": "123456", "newPassword": "Brand-new-passw0rd!"},
    )

    assert answer.status_code == 204
    login = people.post(None, "/auth/login", {"email": person.email, "password": "Brand-new-passw0rd!"})
    assert login.status_code == 200


def test_a_route_without_a_token_is_401(people: People) -> None:
    answer = people.get(None, "/me")

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "missing_token"


def test_an_expired_token_is_401_token_expired(people: People) -> None:
    person = people.make()

    answer = people.client.get(
        "/api/dashboard/me", headers={"Authorization": f"Bearer {forged_token(sub=person.id, expired=True)}"}
    )

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "token_expired"


def test_a_token_signed_by_another_key_is_401(people: People) -> None:
    person = people.make()

    answer = people.client.get(
        "/api/dashboard/me", headers={"Authorization": f"Bearer {forged_token(sub=person.id, own_key=True)}"}
    )

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_token"


def test_an_id_token_is_not_accepted_as_an_access_token(people: People) -> None:
    person = people.make()
    tokens = people.post(None, "/auth/login", {"email": person.email, "password": PASSWORD}).json()

    answer = people.client.get("/api/dashboard/me", headers={"Authorization": f"Bearer {tokens['idToken']}"})

    assert answer.status_code == 401


def test_a_token_of_another_app_client_is_401(people: People, local_aws: LocalAws) -> None:
    import boto3

    cognito: Any = boto3.client("cognito-idp")
    other_client = cognito.create_user_pool_client(
        UserPoolId=local_aws.user_pool_id, ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    person = people.make()
    token = cognito.initiate_auth(
        ClientId=other_client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": person.email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]

    answer = people.client.get("/api/dashboard/me", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_token"


def test_a_deactivated_user_is_401(people: People, db: Db) -> None:
    person = people.make()
    db.execute("UPDATE users SET active = false WHERE id = %s", (person.id,))

    assert people.get(person, "/me").status_code == 401


def test_every_answer_carries_the_security_headers(people: People) -> None:
    answer = people.get(None, "/me")

    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert "max-age" in answer.headers["strict-transport-security"]


def test_an_unexpected_error_is_500_in_the_error_shape_with_the_security_headers_and_no_trace(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chatflow.auth import cognito

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals at /var/task/chatflow")

    monkeypatch.setattr(cognito, "forgot_password", broken)

    answer = people.post(None, "/auth/forgot-password", {"email": "someone@example.com"})

    assert answer.status_code == 500
    assert answer.json() == {"error": {"code": "internal_error", "message": "Something went wrong on our side."}}
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "max-age" in answer.headers["strict-transport-security"]


def test_the_openapi_document_is_served(people: People) -> None:
    answer = people.get(None, "/openapi.json")

    assert answer.status_code == 200
    assert "/api/dashboard/me" in answer.json()["paths"]


def test_the_openapi_document_describes_validation_errors_as_400_in_the_error_shape(people: People) -> None:
    document = people.get(None, "/openapi.json").json()

    login = document["paths"]["/api/dashboard/auth/login"]["post"]["responses"]
    assert "422" not in login
    assert login["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_text_the_database_cannot_store_is_400_not_500(people: People) -> None:
    person = people.make()

    answer = people.patch(person, "/me", {"name": "nul\x00byte"})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_a_special_use_email_domain_signs_in(people: People, local_aws: LocalAws) -> None:
    answer = people.post(None, "/auth/login", {"email": "root@chatflow360.test", "password": "wrong-password"})

    assert answer.status_code == 401  # refused by Cognito for the password, not by validation
    assert answer.json()["error"]["code"] == "invalid_credentials"


@pytest.fixture
def auth_limit_of_three(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatflow.settings import get_settings

    monkeypatch.setenv("RATE_LIMIT_AUTH_PER_MINUTE", "3")
    get_settings.cache_clear()


@pytest.mark.usefixtures("auth_limit_of_three")
def test_password_guessing_is_429_with_retry_after_even_with_the_right_password(people: People) -> None:
    person = people.make()
    for _ in range(3):
        assert people.post(None, "/auth/login", {"email": person.email, "password": "guess"}).status_code == 401

    answer = people.post(None, "/auth/login", {"email": person.email, "password": PASSWORD})

    assert answer.status_code == 429
    assert answer.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(answer.headers["retry-after"]) <= 60


@pytest.mark.usefixtures("auth_limit_of_three")
def test_guessing_one_account_from_many_addresses_is_limited_per_account(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chatflow.settings import get_settings

    monkeypatch.setenv("TRUSTED_PROXIES", "1")  # as behind CloudFront: each guess from another address
    monkeypatch.setenv("RATE_LIMIT_AUTH_PER_EMAIL_PER_MINUTE", "3")  # the ceiling across addresses
    get_settings.cache_clear()
    person = people.make()
    for i in range(3):
        people.client.post(
            "/api/dashboard/auth/login",
            json={"email": person.email, "password": "guess"},
            headers={"x-forwarded-for": f"198.51.100.{i}"},
        )

    answer = people.client.post(
        "/api/dashboard/auth/login",
        json={"email": person.email.upper(), "password": PASSWORD},
        headers={"x-forwarded-for": "198.51.100.200"},
    )

    assert answer.status_code == 429


@pytest.mark.usefixtures("auth_limit_of_three")
def test_reset_codes_and_refreshes_count_against_the_same_limit(people: People) -> None:
    for i in range(3):
        people.post(None, "/auth/forgot-password", {"email": f"someone-{i}@example.com"})

    assert people.post(None, "/auth/refresh", {"refreshToken": "x"}).status_code == 429

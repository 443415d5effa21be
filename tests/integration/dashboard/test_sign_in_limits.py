"""Sign-in limits that slow a guesser without letting anyone lock a known operator out (issue #23,
item 9): the limit is keyed on the address and on email + address, with a larger per-email ceiling
across addresses; Cognito's own lockout stays behind."""

from __future__ import annotations

import pytest

from tests.support.people import PASSWORD, People


@pytest.fixture(autouse=True)
def _limits(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatflow.settings import get_settings

    monkeypatch.setenv("RATE_LIMIT_AUTH_PER_MINUTE", "3")
    monkeypatch.setenv("RATE_LIMIT_AUTH_PER_EMAIL_PER_MINUTE", "6")
    monkeypatch.setenv("TRUSTED_PROXIES", "1")  # as behind CloudFront: the address is read from the header
    get_settings.cache_clear()


def _login(people: People, email: str, password: str, address: str) -> int:
    answer = people.client.post(
        "/api/dashboard/auth/login",
        json={"email": email, "password": password},
        headers={"x-forwarded-for": address},
    )
    return answer.status_code


def test_failures_from_another_address_do_not_lock_the_owner_out(people: People) -> None:
    person = people.make()
    tries = [_login(people, person.email, "guess", "198.51.100.7") for _ in range(5)]
    assert tries[-1] == 429  # the guesser is slowed

    assert _login(people, person.email, PASSWORD, "203.0.113.9") == 200


def test_the_per_email_ceiling_holds_across_addresses(people: People) -> None:
    person = people.make()
    for i in range(6):
        _login(people, person.email, "guess", f"198.51.100.{i}")

    assert _login(people, person.email.upper(), PASSWORD, "203.0.113.9") == 429

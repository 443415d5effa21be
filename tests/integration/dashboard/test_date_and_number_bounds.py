"""Every date and number parameter of the dashboard API, driven by hypothesis to its extremes
(issue #23, item 12): an answer is the documented one or a 4xx in the error shape, never a 500 (a
`to=9999-12-31` once overflowed Python's datetime). The parameters are read from the app's own OpenAPI
document, so that one added later is covered without touching this file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatflow.organizations import create_organization
from tests.support.people import People

Db = psycopg.Connection[dict[str, Any]]


def _parameters() -> list[tuple[str, str, str]]:
    """(path, name, kind) of each GET query parameter that is a number or a date."""
    from infra.functions import load_handler

    load_handler("dashboard_api")
    from app import app

    found = []
    for path, operations in app.openapi()["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            schema = json.dumps(parameter.get("schema", {}))
            if parameter["in"] != "query":
                continue
            if '"date' in schema or "date-time" in schema:
                found.append((path, parameter["name"], "date"))
            elif '"integer"' in schema or '"number"' in schema:
                found.append((path, parameter["name"], "number"))
    return found


PARAMETERS = _parameters()

_OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
DATES = st.one_of(
    st.sampled_from(["9999-12-31", "0001-01-01", "9999-12-31T23:59:59.999999-23:59", "0001-01-01T00:00:00+23:59"]),
    st.dates().map(date.isoformat),
    st.datetimes(timezones=st.one_of(st.none(), _OFFSETS)).map(datetime.isoformat),
)
NUMBERS = st.one_of(
    st.sampled_from([0, -1, 2**31, 2**63, -(2**63), 10**30]),
    st.integers(min_value=-(10**20), max_value=10**20),
).map(str)


def test_the_document_has_the_parameters_this_test_drives() -> None:
    assert ("/api/dashboard/conversations", "to", "date") in PARAMETERS
    assert ("/api/dashboard/stats", "days", "number") in PARAMETERS


@pytest.mark.parametrize(("path", "name", "kind"), PARAMETERS, ids=[f"{p}?{n}" for p, n, _ in PARAMETERS])
def test_no_value_of_a_date_or_number_parameter_is_a_500(
    people: People, db: Db, path: str, name: str, kind: str
) -> None:
    organization_id = create_organization(db, name="Bounds")
    root = people.make(super_admin=True)
    url = path.removeprefix("/api/dashboard").replace("{organization_id}", str(organization_id))
    while "{" in url:  # any other id: a well-formed one that exists nowhere (a 404 is fine)
        start = url.index("{")
        url = url[:start] + str(uuid4()) + url[url.index("}") + 1 :]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(value=DATES if kind == "date" else NUMBERS)
    def check(value: str) -> None:
        answer = people.get(root, url, **{name: value})
        assert answer.status_code < 500, (name, value, answer.text)
        if answer.status_code >= 400:
            assert set(answer.json()) == {"error"}

    check()


def test_to_at_the_end_of_the_calendar_is_400(people: People) -> None:
    root = people.make(super_admin=True)

    answer = people.get(root, "/conversations", to="9999-12-31")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_a_day_within_the_bounds_still_filters(people: People) -> None:
    root = people.make(super_admin=True)
    today = datetime.now(UTC).date()
    since = (today - timedelta(days=3)).isoformat()

    answer = people.get(root, "/conversations", to=today.isoformat(), **{"from": since})

    assert answer.status_code == 200

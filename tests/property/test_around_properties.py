"""The widget API's calls around a conversation (issue #19): a rating, a transcript, the offline form.
Any body and path part gets the contract's answer or its error shape (400, 404, 409, 413, 429), never
a 5xx, an exception's text or an internal id."""

from __future__ import annotations

import json
import re
from typing import Any
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.functions import load_handler
from tests.integration.conftest import Tenant
from tests.support.events import LambdaContextStub, rest_event
from tests.support.widget import WidgetClient

_PROPERTY = settings(
    deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
_INTERNALS = re.compile(r"Traceback|psycopg|pydantic|SQLSTATE|\b[A-Z]\w*(Error|Exception)\b")

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.text(alphabet="\x00\ud800abc@.", max_size=10),
    st.lists(st.integers(), max_size=3),
)
_FIELDS = ["visitorId", "rating", "comment", "lang", "publicKey", "email", "message", "pageUrl", "clientMessageId"]


def _call(function: str, path: str, resource: str, body: str, params: dict[str, str] | None) -> tuple[int, str]:
    event = rest_event("POST", path, resource=resource, raw_body=body, path_parameters=params)
    response = load_handler(function)(event, LambdaContextStub())
    return response["statusCode"], response.get("body") or ""


@_PROPERTY
@given(
    which=st.sampled_from(["rating", "transcript", "offline"]),
    fields=st.dictionaries(st.sampled_from(_FIELDS), _values, max_size=6),
    known_ids=st.booleans(),
    path_id=st.one_of(st.just("ok"), st.text(max_size=40)),
)
def test_any_body_gets_the_contract_or_its_error_shape(
    tenant: Tenant, which: str, fields: dict[str, Any], known_ids: bool, path_id: str
) -> None:
    visitor = WidgetClient(tenant.public_key, uuid4())
    conversation = visitor.post("Hello").body["conversationId"]
    if known_ids:
        fields = {**fields, "visitorId": str(visitor.visitor_id), "publicKey": str(tenant.public_key)}
    cid = conversation if path_id == "ok" else path_id
    body = json.dumps(fields, default=str)
    if which == "offline":
        status, text = _call("chat_offline", "/api/chat/offline", "/api/chat/offline", body, None)
    else:
        status, text = _call(
            f"chat_{which}",
            f"/api/chat/{cid}/{which}",
            f"/api/chat/{{conversationId}}/{which}",
            body,
            {"conversationId": cid},
        )

    assert status < 500, text
    if status >= 400:
        error = json.loads(text)["error"]
        assert set(error) == {"code", "message"}
        assert not _INTERNALS.search(error["message"]), error["message"]
        assert status in {400, 404, 409, 413, 429}

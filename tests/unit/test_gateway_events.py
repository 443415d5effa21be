"""The local gateway's events have the shape of the real API Gateway event kept in tests/events/."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from infra.local.gateway import HttpRequest, RouteTable, rest_event, scheduled_event
from infra.routes import WIDGET_ROUTES, Route

REAL_EVENT: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "events" / "api_gateway_rest_post_chat.json").read_text()
)

CONVERSATION_ID = "0b5c8a0e-8f6e-4a51-9d43-4c1f0c6a7e21"


def _post_chat() -> dict[str, Any]:
    request = HttpRequest(
        method="POST",
        path="/api/chat",
        headers=[("host", "127.0.0.1:8000"), ("content-type", "application/json"), ("user-agent", "curl/8.5")],
        body=b'{"message": "hola"}',
        source_ip="198.51.100.7",
    )
    return rest_event(request, resource="/api/chat")


def test_event_has_the_keys_of_the_real_event() -> None:
    event = _post_chat()

    assert set(event) == set(REAL_EVENT)
    assert set(event["requestContext"]) == set(REAL_EVENT["requestContext"])
    assert set(event["requestContext"]["identity"]) == set(REAL_EVENT["requestContext"]["identity"])


def test_event_values_have_the_types_of_the_real_event() -> None:
    event = _post_chat()

    for key, value in REAL_EVENT.items():
        if value is not None:
            assert type(event[key]) is type(value), key
    for key, value in REAL_EVENT["requestContext"].items():
        if value is not None:
            assert type(event["requestContext"][key]) is type(value), key


def test_json_body_is_passed_as_text() -> None:
    event = _post_chat()

    assert event["body"] == '{"message": "hola"}'
    assert event["isBase64Encoded"] is False


def test_request_context_names_the_local_stage_and_the_resource() -> None:
    context = _post_chat()["requestContext"]

    assert context["stage"] == "local"
    assert context["path"] == "/local/api/chat"
    assert context["resourcePath"] == "/api/chat"
    assert context["httpMethod"] == "POST"


def test_source_ip_and_user_agent_come_from_the_client() -> None:
    event = _post_chat()

    assert event["requestContext"]["identity"]["sourceIp"] == "198.51.100.7"
    assert event["requestContext"]["identity"]["userAgent"] == "curl/8.5"
    assert event["headers"]["X-Forwarded-For"] == "198.51.100.7"


def test_each_request_gets_a_fresh_request_id() -> None:
    assert _post_chat()["requestContext"]["requestId"] != _post_chat()["requestContext"]["requestId"]


def test_route_table_gives_the_path_parameter_to_the_event() -> None:
    match = RouteTable(WIDGET_ROUTES).match("GET", f"/api/chat/{CONVERSATION_ID}")
    assert match is not None
    assert match.route is not None

    event = rest_event(
        HttpRequest(method="GET", path=f"/api/chat/{CONVERSATION_ID}"),
        resource=match.resource,
        path_parameters=match.path_parameters,
    )

    assert event["resource"] == "/api/chat/{conversationId}"
    assert event["pathParameters"] == {"conversationId": CONVERSATION_ID}
    assert match.route.function == "history"


def test_repeated_query_parameters_keep_every_value_and_the_last_one() -> None:
    event = rest_event(
        HttpRequest(method="GET", path="/api/chat/x", query_string="visitorId=v&after=a&after=b%20c"),
        resource="/api/chat/{conversationId}",
    )

    assert event["queryStringParameters"] == {"visitorId": "v", "after": "b c"}
    assert event["multiValueQueryStringParameters"] == {"visitorId": ["v"], "after": ["a", "b c"]}


def test_absent_query_and_path_parameters_are_null() -> None:
    event = _post_chat()

    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None


def test_repeated_headers_keep_every_value_and_the_last_one() -> None:
    event = rest_event(
        HttpRequest(method="GET", path="/api/chat/x", headers=[("accept", "text/html"), ("accept", "*/*")]),
        resource="/api/chat/{conversationId}",
    )

    assert event["headers"]["accept"] == "*/*"
    assert event["multiValueHeaders"]["accept"] == ["text/html", "*/*"]


def test_binary_body_is_base64_encoded() -> None:
    payload = bytes(range(256))
    event = rest_event(
        HttpRequest(
            method="POST", path="/api/chat", headers=[("content-type", "application/octet-stream")], body=payload
        ),
        resource="/api/chat",
    )

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_empty_body_is_null() -> None:
    event = rest_event(HttpRequest(method="GET", path="/api/chat/x"), resource="/api/chat/{conversationId}")

    assert event["body"] is None
    assert event["isBase64Encoded"] is False


def test_literal_segment_wins_over_a_path_parameter() -> None:
    table = RouteTable(
        [Route("GET", "/api/chat/{conversationId}", "history"), Route("GET", "/api/chat/stats", "stats")]
    )

    match = table.match("GET", "/api/chat/stats")

    assert match is not None
    assert match.route is not None
    assert match.route.function == "stats"


def test_greedy_parameter_takes_the_rest_of_the_path() -> None:
    table = RouteTable([Route("ANY", "/api/dashboard/{proxy+}", "dashboard_api")])

    match = table.match("DELETE", "/api/dashboard/organizations/1/members/2")

    assert match is not None
    assert match.route is not None
    assert match.path_parameters == {"proxy": "organizations/1/members/2"}


def test_scheduled_event_is_an_eventbridge_scheduled_event() -> None:
    event = scheduled_event("cleanup")

    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["detail"] == {}
    assert event["resources"][0].startswith("arn:aws:events:")

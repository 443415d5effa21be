"""The widget API and the WebSocket API answer errors in the visitor's language: the body's `lang`,
else Accept-Language, else English. Codes never change; only the message does."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from infra.functions import load_handler
from infra.local.gateway import HttpRequest, SocketInfo, new_connection_id, websocket_event
from tests.support.events import LambdaContextStub, rest_event
from tests.support.widget import WidgetClient


def _body(visitor: WidgetClient, **fields: Any) -> str:
    return json.dumps({"publicKey": str(visitor.public_key), "visitorId": str(visitor.visitor_id), **fields})


def test_a_spanish_widget_is_told_its_message_is_too_long_in_spanish(visitor: WidgetClient) -> None:
    answer = visitor.post("é" * 2001, lang="es")

    assert (answer.status, answer.error_code) == (400, "message_too_long")
    assert answer.body["error"]["message"] == "El mensaje debe tener como máximo 2000 caracteres."
    assert answer.headers["Content-Language"] == "es"


def test_without_lang_the_browsers_accept_language_is_spoken(visitor: WidgetClient) -> None:
    answer = visitor.post_raw(
        _body(visitor, publicKey=str(uuid4()), message="Hola"), headers={"Accept-Language": "es-MX;q=0.9, en;q=0.8"}
    )

    assert (answer.status, answer.error_code) == (404, "channel_not_found")
    assert answer.body["error"]["message"] == "No existe ese canal."


def test_a_body_that_cannot_be_read_is_refused_in_the_browsers_language(visitor: WidgetClient) -> None:
    answer = visitor.post_raw("{not json", headers={"Accept-Language": "es"})

    assert (answer.status, answer.error_code) == (400, "invalid_json")
    assert answer.body["error"]["message"] == "El cuerpo de la petición no es un JSON válido."


@pytest.mark.parametrize(("lang", "accept_language"), [("fr", "pt-BR"), (None, "*"), ("xx-garbage", ";;q=,")])
def test_a_language_we_do_not_speak_falls_back_to_english(
    visitor: WidgetClient, lang: str | None, accept_language: str
) -> None:
    answer = visitor.post_raw(
        _body(visitor, message="é" * 2001, lang=lang), headers={"Accept-Language": accept_language}
    )

    assert (answer.status, answer.error_code) == (400, "message_too_long")
    assert answer.body["error"]["message"] == "message must be at most 2000 characters."
    assert answer.headers["Content-Language"] == "en"


def test_history_and_close_speak_the_browsers_language(visitor: WidgetClient) -> None:
    spanish = {"Accept-Language": "es"}

    history = visitor.history_raw(
        str(uuid4()), {"publicKey": str(visitor.public_key), "visitorId": str(visitor.visitor_id)}, headers=spanish
    )
    close_event = rest_event(
        "PATCH",
        "/api/chat/not-a-uuid",
        resource="/api/chat/{conversationId}",
        raw_body=json.dumps({"visitorId": str(visitor.visitor_id)}),
        path_parameters={"conversationId": "not-a-uuid"},
        headers=spanish,
    )
    close = load_handler("close")(close_event, LambdaContextStub())

    # The domain said "This conversation does not exist for this visitor." in English; Spanish gets
    # the code's own sentence.
    assert (history.status, history.body["error"]) == (
        404,
        {"code": "conversation_not_found", "message": "No existe esa conversación."},
    )
    assert (close["statusCode"], json.loads(close["body"])["error"]) == (
        400,
        {"code": "invalid_uuid", "message": "conversationId debe ser un UUID."},
    )


# ---- The WebSocket API's $connect ------------------------------------------------------------------------------


def _connect(query: dict[str, str], headers: list[tuple[str, str]] | None = None) -> tuple[int, dict[str, str]]:
    handshake = HttpRequest(
        method="GET",
        path="/ws",
        query_string="&".join(f"{k}={v}" for k, v in query.items()),
        headers=[("host", "127.0.0.1:8000"), *(headers or [])],
    )
    socket = SocketInfo(
        connection_id=new_connection_id(),
        connected_at=datetime.now(UTC),
        source_ip="198.51.100.7",
        user_agent=None,
        domain_name="127.0.0.1",
    )
    event = websocket_event(socket, route_key="$connect", event_type="CONNECT", request=handshake)
    answer: dict[str, Any] = load_handler("realtime")(event, LambdaContextStub())
    return answer["statusCode"], json.loads(answer["body"])["error"]


def test_a_socket_refused_with_lang_es_is_told_why_in_spanish(visitor: WidgetClient) -> None:
    credentials = {"publicKey": str(visitor.public_key), "visitorId": str(visitor.visitor_id)}

    unknown = _connect({**credentials, "conversationId": str(uuid4()), "lang": "es"})
    incomplete = _connect({"publicKey": str(visitor.public_key), "lang": "es-MX"})

    assert unknown == (404, {"code": "conversation_not_found", "message": "No existe esa conversación."})
    assert incomplete == (401, {"code": "missing_credentials", "message": "Falta visitorId, que es obligatorio."})


def test_a_socket_without_lang_is_refused_in_its_accept_language_or_english() -> None:
    spanish = _connect({"somethingElse": "1"}, headers=[("accept-language", "es-ES,es;q=0.9")])
    french = _connect({"somethingElse": "1", "lang": "fr"}, headers=[("accept-language", "fr")])

    assert spanish[1]["message"].startswith("Conéctate con ?token=")
    assert french[1]["message"].startswith("Connect with ?token=")

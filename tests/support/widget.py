"""Calls the widget API's functions the way API Gateway does: real event shapes, real handlers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from infra.functions import load_handler
from tests.support.events import LambdaContextStub, rest_event

__all__ = ["Answer", "WidgetClient"]


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error_code(self) -> str:
        code: str = self.body["error"]["code"]
        return code


def _answer(response: dict[str, Any]) -> Answer:
    headers = {k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
    headers.update(response.get("headers") or {})
    body = response["body"]
    return Answer(response["statusCode"], json.loads(body) if body else None, headers)


@dataclass
class WidgetClient:
    public_key: UUID
    visitor_id: UUID
    source_ip: str = "203.0.113.10"

    def post(self, message: str, **fields: Any) -> Answer:
        body = {"publicKey": str(self.public_key), "visitorId": str(self.visitor_id), "message": message}
        body.update({k: str(v) if isinstance(v, UUID) else v for k, v in fields.items()})
        return self.post_raw(json.dumps(body))

    def post_raw(self, raw_body: str, headers: dict[str, str] | None = None, base64_body: bool = False) -> Answer:
        event = rest_event(
            "POST",
            "/api/chat",
            resource="/api/chat",
            raw_body=raw_body,
            headers=headers,
            base64_body=base64_body,
            source_ip=self.source_ip,
        )
        return _answer(load_handler("chat")(event, LambdaContextStub()))

    def history(self, conversation_id: UUID | str, **query: str) -> Answer:
        params = {"publicKey": str(self.public_key), "visitorId": str(self.visitor_id), **query}
        return self.history_raw(str(conversation_id), params)

    def history_raw(self, conversation_id: str, query: dict[str, str], headers: dict[str, str] | None = None) -> Answer:
        event = rest_event(
            "GET",
            f"/api/chat/{conversation_id}",
            resource="/api/chat/{conversationId}",
            query=query,
            path_parameters={"conversationId": conversation_id},
            headers=headers,
            source_ip=self.source_ip,
        )
        return _answer(load_handler("history")(event, LambdaContextStub()))

    def close(self, conversation_id: UUID | str, visitor_id: UUID | None = None) -> Answer:
        return self.close_raw(str(conversation_id), json.dumps({"visitorId": str(visitor_id or self.visitor_id)}))

    def close_raw(self, conversation_id: str, raw_body: str) -> Answer:
        event = rest_event(
            "PATCH",
            f"/api/chat/{conversation_id}",
            resource="/api/chat/{conversationId}",
            raw_body=raw_body,
            path_parameters={"conversationId": conversation_id},
            source_ip=self.source_ip,
        )
        return _answer(load_handler("close")(event, LambdaContextStub()))

    def ask_for_person(self, conversation_id: UUID | str, **fields: Any) -> Answer:
        """The widget's "Talk to a person" (POST /api/chat/{conversationId}/handoff)."""
        body = {"visitorId": str(self.visitor_id), **fields}
        return self.ask_for_person_raw(str(conversation_id), json.dumps(body))

    def ask_for_person_raw(self, conversation_id: str, raw_body: str) -> Answer:
        event = rest_event(
            "POST",
            f"/api/chat/{conversation_id}/handoff",
            resource="/api/chat/{conversationId}/handoff",
            raw_body=raw_body,
            path_parameters={"conversationId": conversation_id},
            source_ip=self.source_ip,
        )
        return _answer(load_handler("chat_handoff")(event, LambdaContextStub()))

    def _post_to(self, function: str, path: str, resource: str, body: dict[str, Any], **params: str) -> Answer:
        event = rest_event(
            "POST",
            path,
            resource=resource,
            raw_body=json.dumps(body),
            path_parameters=params or None,
            source_ip=self.source_ip,
        )
        return _answer(load_handler(function)(event, LambdaContextStub()))

    def rate(self, conversation_id: UUID | str, rating: Any, **fields: Any) -> Answer:
        """The widget's satisfaction survey (POST /api/chat/{conversationId}/rating)."""
        body = {"visitorId": str(self.visitor_id), "rating": rating, **fields}
        cid = str(conversation_id)
        return self._post_to(
            "chat_rating", f"/api/chat/{cid}/rating", "/api/chat/{conversationId}/rating", body, conversationId=cid
        )

    def ask_for_transcript(self, conversation_id: UUID | str, **fields: Any) -> Answer:
        """The widget's "Email me a transcript" (POST /api/chat/{conversationId}/transcript)."""
        body = {"visitorId": str(self.visitor_id), **fields}
        cid = str(conversation_id)
        return self._post_to(
            "chat_transcript",
            f"/api/chat/{cid}/transcript",
            "/api/chat/{conversationId}/transcript",
            body,
            conversationId=cid,
        )

    def leave_offline_message(self, email: str, message: str, **fields: Any) -> Answer:
        """The widget's offline form (POST /api/chat/offline)."""
        body = {"publicKey": str(self.public_key), "visitorId": str(self.visitor_id), "email": email}
        body.update({"message": message, **fields})
        return self._post_to("chat_offline", "/api/chat/offline", "/api/chat/offline", body)

    def config(self, public_key: UUID | str | None = None, headers: dict[str, str] | None = None) -> Answer:
        """The channel's public config, as the widget fetches it at start (this visitor's key unless given)."""
        key = str(public_key if public_key is not None else self.public_key)
        event = rest_event(
            "GET",
            f"/api/channels/{key}/config",
            resource="/api/channels/{publicKey}/config",
            path_parameters={"publicKey": key},
            headers=headers,
            source_ip=self.source_ip,
        )
        return _answer(load_handler("widget_config")(event, LambdaContextStub()))

    def another_visitor(self) -> WidgetClient:
        """A new visitor on the same address."""
        return WidgetClient(self.public_key, uuid4(), self.source_ip)

    def from_ip(self, source_ip: str) -> WidgetClient:
        """The same visitor on another address."""
        return WidgetClient(self.public_key, self.visitor_id, source_ip)

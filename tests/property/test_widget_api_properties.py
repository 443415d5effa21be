"""Properties of the public widget API under any input: a JSON answer of the contract's shape, never
a 500, and nothing in it that only the server should know (internal ids, exception text, SQL).

Requests are API Gateway REST events given to the real handlers, as in test_widget_errors.py. The
database is shared by all the examples of a test, so state accumulates within a test (conversations,
closes, handoffs): that is more input, and no property depends on an empty database.
"""

from __future__ import annotations

import base64
import json
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from chatflow_edge.widget_api import MAX_BODY_BYTES
from infra.functions import load_handler
from tests.integration.conftest import Tenant
from tests.support.events import LambdaContextStub, rest_event
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

# Fixtures are set up once per test, not per example: the examples share a tenant and its conversation.
_PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Statuses the contract lists: malformed input, an origin the channel refuses, absent, too large,
# rate limited.
_ERROR_STATUSES = {400, 403, 404, 413, 429}
_CONVERSATION_STATUSES = {"open", "pending", "closed"}
_RESPONDER_MODES = {"ai", "human"}
_ROLES = {"visitor", "ai", "agent", "system"}

# What would show that an exception, a database error or a query reached the client.
_INTERNALS = re.compile(
    r"Traceback|File \"|psycopg|pydantic|sqlalchemy|asyncpg|SQLSTATE|errors\.pydantic\.dev"
    r"|\b[A-Z]\w*(Error|Exception|Violation)\b"
    r"|\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET|WHERE)\b"
    r"|\bline \d+\b|0x[0-9a-f]{6,}",
)
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Calling the handlers and reading their answers


@dataclass(frozen=True)
class Request:
    function: str  # chat, history or close
    event: dict[str, Any]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names lower-cased
    text: str

    @property
    def body(self) -> Any:
        return json.loads(self.text)


def _send(request: Request) -> Answer:
    response = load_handler(request.function)(request.event, LambdaContextStub())
    headers = {k.lower(): v[-1] for k, v in (response.get("multiValueHeaders") or {}).items() if v}
    headers.update({k.lower(): v for k, v in (response.get("headers") or {}).items()})
    answer = Answer(response["statusCode"], headers, response.get("body") or "")
    # Shown by --hypothesis-show-statistics: how many examples got past validation to the database.
    event(f"{request.function} {answer.status}")
    return answer


@dataclass(frozen=True)
class Known:
    """What a generated request may use so that it reaches the database and finds something there."""

    tenant: Tenant
    visitor_id: UUID
    conversation_id: UUID
    message_ids: tuple[UUID, ...]


@pytest.fixture
def known(tenant: Tenant) -> Known:
    visitor = WidgetClient(tenant.public_key, uuid4())
    conversation = UUID(visitor.post("Hello, do you sell decaf?").body["conversationId"])
    messages = visitor.history(conversation).body["messages"]
    return Known(tenant, visitor.visitor_id, conversation, tuple(UUID(m["id"]) for m in messages))


# ---------------------------------------------------------------------------------------------
# Generated input

# Text as a client may send it: any code point, plus what PostgreSQL cannot store (NUL, lone surrogates).
_odd_chars = st.sampled_from(["\x00", "\ud800", "\udfff", "\ufeff", "\u202e", "\n", '"', "\\", "😀"])
# Joined from a list: st.text() draws its alphabet so that surrogates and NUL almost never come.
_text = st.lists(st.characters() | _odd_chars, max_size=60).map("".join)

_json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=12,
)


def _uuid_spellings(value: UUID) -> st.SearchStrategy[str]:
    """One UUID the ways a client might write it; pydantic accepts several."""
    return st.sampled_from([str(value), str(value).upper(), value.hex, f"{{{value}}}", f"urn:uuid:{value}"])


def _near_the_limit(template: Callable[[str], str]) -> st.SearchStrategy[str]:
    """A body a few bytes either side of 64 KiB, of one- to four-byte characters."""

    def build(size: int, char: str) -> str:
        filler = char * (max(0, size - len(template("").encode())) // len(char.encode()))
        return template(filler)

    return st.builds(
        build, st.integers(MAX_BODY_BYTES - 8, MAX_BODY_BYTES + 8), st.sampled_from(["x", "é", "€", "😀", " "])
    )


def _nested(depth: int, kind: str) -> str:
    return ("[" * depth + "]" * depth) if kind == "list" else ('{"a":' * depth + "1" + "}" * depth)


_raw_bodies = st.one_of(
    _json_values.map(json.dumps),
    _text,
    st.builds(_nested, st.integers(1, 20_000), st.sampled_from(["list", "object"])),
    _near_the_limit(lambda filler: json.dumps({"message": "hi", "pad": filler}, ensure_ascii=False)),
    _near_the_limit(lambda filler: json.dumps({"message": filler}, ensure_ascii=False)),
    st.sampled_from(["", " ", "null", "{", '{"message": "\\ud800"}', '{"a": NaN}', "1" * 5000, "\x00{}"]),
)


@st.composite
def _bodies(draw: st.DrawFn, objects: st.SearchStrategy[dict[str, Any]] | None = None) -> tuple[str | None, bool]:
    """(body, isBase64Encoded): raw text, JSON of the given objects, or bytes (valid UTF-8 or not)
    behind base64, or text that claims to be base64 and is not."""
    choices: list[st.SearchStrategy[tuple[str | None, bool]]] = [
        st.tuples(_raw_bodies, st.just(False)),
        st.tuples(st.none(), st.booleans()),
        st.tuples(st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode()), st.just(True)),
        st.tuples(
            _raw_bodies.map(lambda s: base64.b64encode(s.encode("utf-8", "surrogatepass")).decode()), st.just(True)
        ),
        st.tuples(_text, st.just(True)),
    ]
    if objects is not None:
        choices.append(st.tuples(objects.map(json.dumps), st.just(False)))
        choices.append(
            st.tuples(objects.map(lambda o: base64.b64encode(json.dumps(o).encode()).decode()), st.just(True))
        )
    return draw(st.one_of(choices))


# The headers something reads: Powertools (Origin, for CORS), the domain (Origin against the channel's list;
# User-Agent, Accept-Language and Referer kept as visitor metadata) and the rate limits (X-Forwarded-For).
_READ_HEADERS = ["Origin", "Content-Type", "X-Forwarded-For", "User-Agent", "Accept-Language", "Referer"]
_header_values = st.one_of(
    _text,
    st.sampled_from(
        [
            "null",
            "https://shop.example.com",
            "https://shop.example.com/",
            "HTTPS://SHOP.EXAMPLE.COM",
            "https://evil.example",
            "application/json; charset=utf-16",
            "text/plain",
            "203.0.113.7, 10.0.0.1",
            "::1, 2001:db8::1, unknown",
            ", , ,",
            "1.2.3.4, " * 200,
        ]
    ),
    # Long and incompressible, as PostgreSQL would have to index it.
    st.randoms(use_true_random=False).map(lambda r: "".join(r.choices(string.ascii_letters, k=r.randint(0, 4000)))),
)
_headers = st.none() | st.builds(  # API Gateway sends null for an absent map
    lambda read, others: {**others, **read},
    st.fixed_dictionaries({}, optional=dict.fromkeys(_READ_HEADERS, _header_values)),
    st.dictionaries(
        st.sampled_from(["origin", "x-forwarded-for", "Host"]) | st.text(min_size=1, max_size=20),
        _header_values,
        max_size=3,
    ),
)

_path_segments = st.one_of(
    _text,
    st.uuids().map(str),
    st.sampled_from(["null", "undefined", "..", "%2F", "a b", "00000000-0000-0000-0000-000000000000", "x" * 5000]),
)


def _with_headers(event: dict[str, Any], headers: dict[str, str] | None) -> dict[str, Any]:
    event["headers"] = headers
    event["multiValueHeaders"] = None if headers is None else {k: [v] for k, v in headers.items()}
    return event


def _chat(body: str | None, base64_body: bool, headers: dict[str, str] | None) -> Request:
    event = rest_event("POST", "/api/chat", resource="/api/chat")
    event.update(body=body, isBase64Encoded=base64_body)
    return Request("chat", _with_headers(event, headers))


def _history(segment: str, query: dict[str, str] | None, headers: dict[str, str] | None) -> Request:
    event = rest_event(
        "GET",
        f"/api/chat/{segment}",
        resource="/api/chat/{conversationId}",
        query=query,
        path_parameters={"conversationId": segment},
    )
    return Request("history", _with_headers(event, headers))


def _close(segment: str, body: str | None, base64_body: bool, headers: dict[str, str] | None) -> Request:
    event = rest_event(
        "PATCH",
        f"/api/chat/{segment}",
        resource="/api/chat/{conversationId}",
        path_parameters={"conversationId": segment},
    )
    event.update(body=body, isBase64Encoded=base64_body)
    return Request("close", _with_headers(event, headers))


_ANY_ID = st.one_of(st.uuids().map(str), _json_values)


def _messages() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(min_size=1, max_size=200),
        st.sampled_from(["Hi", "  padded  ", "I want to talk to a human", "quiero hablar con una persona", "é" * 2000]),
    )


@st.composite
def _chat_objects(draw: st.DrawFn, known: Known) -> dict[str, Any]:
    """A body of the contract's shape, with the real public key and a known visitor and conversation, so
    that it reaches the database and the model; then up to three of its fields replaced by anything."""
    fuzz: dict[str, st.SearchStrategy[Any]] = {
        "publicKey": _uuid_spellings(known.tenant.public_key) | _ANY_ID,
        "visitorId": _uuid_spellings(known.visitor_id) | _ANY_ID,
        "message": st.one_of(_text, st.integers(1990, 2010).map(lambda n: "m" * n), _json_values),
        "conversationId": _uuid_spellings(known.conversation_id) | _ANY_ID,
        "lang": st.one_of(st.sampled_from(["en", "es", "es-MX", "ES", "fr", "x" * 36]), _json_values),
        "pageUrl": st.one_of(st.sampled_from(["https://shop.example.com/", "javascript:alert(1)"]), _json_values),
        "clientMessageId": st.one_of(st.sampled_from([str(UUID(int=1)), str(UUID(int=2))]), _ANY_ID),
        "extra": _json_values,
    }
    body = draw(
        st.fixed_dictionaries(
            {
                "publicKey": st.just(str(known.tenant.public_key)),
                "visitorId": st.sampled_from([str(known.visitor_id), str(uuid4())]),
                "message": _messages(),
            },
            optional={
                "conversationId": st.just(str(known.conversation_id)),
                "lang": st.sampled_from(["en", "es"]),
                "pageUrl": st.just("https://shop.example.com/menu"),
                # A small pool, so that retries of one message (and their conflicts) happen.
                "clientMessageId": st.sampled_from([str(UUID(int=1)), str(UUID(int=2))]),
            },
        )
    )
    for field in draw(st.sets(st.sampled_from(sorted(fuzz)), max_size=3)):
        if draw(st.booleans()):
            body[field] = draw(fuzz[field])
        else:
            body.pop(field, None)
    return body


def _chat_requests(known: Known) -> st.SearchStrategy[Request]:
    return st.builds(lambda b, h: _chat(b[0], b[1], h), _bodies(_chat_objects(known)), _headers)


@st.composite
def _history_requests(draw: st.DrawFn, known: Known) -> Request:
    """The known visitor reading the known conversation, then up to three of the request's parts
    replaced by anything or left out."""
    segment = str(known.conversation_id)
    reader = {"publicKey": str(known.tenant.public_key), "visitorId": str(known.visitor_id)}
    if draw(st.booleans()):
        reader["after"] = str(draw(st.sampled_from(known.message_ids)))
    query: dict[str, str] | None = reader
    fuzz: dict[str, st.SearchStrategy[str]] = {
        "publicKey": _uuid_spellings(known.tenant.public_key) | st.uuids().map(str) | _text,
        "visitorId": _uuid_spellings(known.visitor_id) | st.uuids().map(str) | _text,
        "after": st.sampled_from(known.message_ids).map(str) | st.uuids().map(str) | _text,
    }
    for part in draw(st.sets(st.sampled_from(["segment", "query", *fuzz]), max_size=3)):
        if part == "segment":
            segment = draw(_uuid_spellings(known.conversation_id) | _path_segments)
        elif part == "query":
            query = draw(st.none() | st.dictionaries(_text, _text, max_size=4))
        elif query is not None and draw(st.booleans()):
            query[part] = draw(fuzz[part])
        elif query is not None:
            query.pop(part, None)
    return _history(segment, query, draw(_headers))


@st.composite
def _close_requests(draw: st.DrawFn, known: Known) -> Request:
    """The known visitor closing the known conversation, then its path, its visitor or its whole body
    replaced by anything."""
    segment = str(known.conversation_id)
    body: tuple[str | None, bool] = (json.dumps({"visitorId": str(known.visitor_id)}), False)
    for part in draw(st.sets(st.sampled_from(["segment", "visitorId", "body"]), max_size=2)):
        if part == "segment":
            segment = draw(_uuid_spellings(known.conversation_id) | _path_segments)
        elif part == "visitorId":
            visitor = draw(st.none() | _uuid_spellings(known.visitor_id) | _ANY_ID)
            body = (json.dumps({} if visitor is None else {"visitorId": visitor}), False)
        else:
            body = draw(_bodies())
    return _close(segment, body[0], body[1], draw(_headers))


# Powertools drops one trailing slash, so "/api/chat/" is the chat route: not a miss.
_NEAR_MISSES = st.sampled_from(["/", "/api", "/api/chats", "/API/CHAT", "/api/chat/a/b", "/api/chat-x"]) | _text.map(
    lambda s: f"/other/{s}"
)


@st.composite
def _unrouted(draw: st.DrawFn) -> Request:
    """A method and path that none of the three functions serves (OPTIONS aside: that is CORS's)."""
    function = draw(st.sampled_from(["chat", "history", "close"]))
    # close also serves DELETE /api/chat/{id}: the visitor's own erasure (#23).
    served = {"chat": {"POST"}, "history": {"GET"}, "close": {"PATCH", "DELETE"}}[function]
    method = draw(st.sampled_from(["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"]))
    if method in served:
        path = draw(_NEAR_MISSES)
    else:
        path = draw(st.sampled_from(["/api/chat", f"/api/chat/{uuid4()}"]) | _NEAR_MISSES)
    event = rest_event(method, path, resource="/{proxy+}", raw_body=draw(st.none() | _text))
    return Request(function, _with_headers(event, draw(_headers)))


def _any_request(known: Known) -> st.SearchStrategy[Request]:
    return st.one_of(_chat_requests(known), _history_requests(known), _close_requests(known), _unrouted())


# ---------------------------------------------------------------------------------------------
# What every answer must be


def _assert_json_answer(answer: Answer) -> Any:
    assert answer.status < 500, answer
    assert answer.headers.get("content-type", "").startswith("application/json"), answer
    return answer.body


def _assert_error_shape(answer: Answer) -> None:
    body = _assert_json_answer(answer)
    assert answer.status in _ERROR_STATUSES, answer
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert re.fullmatch(r"[a-z][a-z_]*", body["error"]["code"]), body
    assert isinstance(body["error"]["message"], str), body
    assert body["error"]["message"], body


def _assert_message_shape(message: Any) -> None:
    assert set(message) == {"id", "role", "content", "createdAt"}, message
    UUID(message["id"])
    assert message["role"] in _ROLES
    assert isinstance(message["content"], str)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", message["createdAt"]), message


def _assert_success_shape(request: Request, answer: Answer) -> None:
    body = _assert_json_answer(answer)
    assert answer.status == 200, answer
    if request.function == "chat":
        assert set(body) == {"conversationId", "status", "responderMode", "handoff", "reply"}, body
        UUID(body["conversationId"])
        assert isinstance(body["handoff"], bool)
        if body["reply"] is not None:
            _assert_message_shape(body["reply"])
    elif request.function == "history":
        assert set(body) == {"id", "status", "responderMode", "messages"}, body
        UUID(body["id"])
        for message in body["messages"]:
            _assert_message_shape(message)
    else:
        assert body == {"id": str(UUID(request.event["pathParameters"]["conversationId"])), "status": "closed"}
    if request.function != "close":
        assert body["status"] in _CONVERSATION_STATUSES
        assert body["responderMode"] in _RESPONDER_MODES


def _assert_contract_answer(request: Request, answer: Answer) -> None:
    if answer.status == 200:
        _assert_success_shape(request, answer)
    else:
        _assert_error_shape(answer)


def _server_text(body: Any) -> list[str]:
    """Every key and string of an answer except what the visitor wrote, which comes back as sent."""
    if isinstance(body, dict):
        if body.get("role") == "visitor":
            body = {k: v for k, v in body.items() if k != "content"}
        return [s for k, v in body.items() for s in [k, *_server_text(v)]]
    if isinstance(body, list):
        return [s for item in body for s in _server_text(item)]
    return [body] if isinstance(body, str) else []


def _contract_ids(body: Any) -> set[str]:
    """The ids an answer may carry: its conversation's and its messages'."""
    if not isinstance(body, dict) or "error" in body:
        return set()
    ids = {body.get("conversationId"), body.get("id")}
    messages = [body["reply"]] if body.get("reply") else body.get("messages") or []
    ids.update(m["id"] for m in messages)
    return {str(i).lower() for i in ids if i}


def _assert_reveals_nothing_internal(answer: Answer, tenant: Tenant) -> None:
    body = answer.body
    for text in _server_text(body):
        assert not _INTERNALS.search(text), (text, answer)
        for found in _UUID.findall(text):
            normalised = str(UUID(found))
            assert normalised not in {str(tenant.organization_id), str(tenant.channel_id)}, answer
            assert normalised in _contract_ids(body), (found, answer)
    for name, value in answer.headers.items():
        assert not _INTERNALS.search(f"{name}: {value}"), answer


# ---------------------------------------------------------------------------------------------
# The properties


@settings(_PROPERTY, max_examples=150)
@given(body=_bodies(), headers=_headers)
# What was once a 500: bytes that are not UTF-8, base64 that is not, a lone surrogate in plain text.
@example(body=(base64.b64encode(b"\xff\xfe{}").decode(), True), headers=None)
@example(body=("not base64!", True), headers=None)
@example(body=("\u00e9t\u00e9", True), headers=None)
@example(body=('{"message": "\ud800"}', False), headers=None)
def test_any_post_body_gets_a_json_answer_never_a_500(
    body: tuple[str | None, bool], headers: dict[str, str] | None
) -> None:
    request = _chat(body[0], body[1], headers)

    answer = _send(request)

    _assert_contract_answer(request, answer)


@settings(_PROPERTY, max_examples=40)
@given(
    body=_near_the_limit(lambda filler: json.dumps({"message": "hi", "pad": filler}, ensure_ascii=False)),
    base64_body=st.booleans(),
)
def test_a_body_is_refused_as_too_large_exactly_when_over_64_kib(body: str, base64_body: bool) -> None:
    size = len(body.encode())
    request = _chat(base64.b64encode(body.encode()).decode() if base64_body else body, base64_body, None)

    answer = _send(request)

    assert (answer.status == 413) == (size > MAX_BODY_BYTES), (size, answer)


@settings(_PROPERTY, max_examples=120)
@given(data=st.data())
def test_a_chat_request_with_any_field_values_gets_a_contract_answer(known: Known, data: st.DataObject) -> None:
    request = _chat(data.draw(_chat_objects(known).map(json.dumps)), False, {"Content-Type": "application/json"})

    answer = _send(request)

    _assert_contract_answer(request, answer)


@settings(_PROPERTY, max_examples=90)
@given(function=st.sampled_from(["chat", "history", "close"]), headers=_headers)
# What was once a 500 (or a 503): text PostgreSQL cannot store in visitor metadata, and text it cannot
# store or index as a rate limit's key.
@example(function="chat", headers={"User-Agent": "\x00"})
@example(function="chat", headers={"Referer": "\ud800"})
@example(function="chat", headers={"X-Forwarded-For": "\x00"})
@example(function="history", headers={"X-Forwarded-For": "\udfff"})
@example(function="close", headers={"X-Forwarded-For": "".join(sha256(bytes([i])).hexdigest() for i in range(99))})
def test_any_headers_on_a_valid_request_get_a_contract_answer(
    known: Known, db: Db, monkeypatch: pytest.MonkeyPatch, function: str, headers: dict[str, str] | None
) -> None:
    # The channel lists one origin, so that Origin is checked; the rate limits are on, high enough never to
    # refuse, so that they read the client's address from X-Forwarded-For behind two trusted proxies.
    from chatflow.settings import get_settings

    db.execute(
        "UPDATE channels SET allowed_origins = %s WHERE id = %s",
        (["https://shop.example.com"], known.tenant.channel_id),
    )
    for action in ("POST", "GET", "PATCH"):
        monkeypatch.setenv(f"RATE_LIMIT_CHAT_{action}_PER_MINUTE", "1000000")
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    get_settings.cache_clear()
    visitor = {"publicKey": str(known.tenant.public_key), "visitorId": str(known.visitor_id)}
    request = {
        "chat": lambda: _chat(json.dumps({**visitor, "message": "Hello"}), False, headers),
        "history": lambda: _history(str(known.conversation_id), visitor, headers),
        "close": lambda: _close(
            str(known.conversation_id), json.dumps({"visitorId": str(known.visitor_id)}), False, headers
        ),
    }[function]()

    answer = _send(request)

    _assert_contract_answer(request, answer)


@settings(_PROPERTY, max_examples=120)
@given(data=st.data())
def test_any_history_request_gets_a_contract_answer(known: Known, data: st.DataObject) -> None:
    request = data.draw(_history_requests(known))

    answer = _send(request)

    _assert_contract_answer(request, answer)


@settings(_PROPERTY, max_examples=120)
@given(data=st.data())
def test_any_close_request_gets_a_contract_answer(known: Known, data: st.DataObject) -> None:
    request = data.draw(_close_requests(known))

    answer = _send(request)

    _assert_contract_answer(request, answer)


@settings(_PROPERTY, max_examples=80)
@given(request=_unrouted())
def test_an_unknown_route_or_method_is_a_json_404(request: Request) -> None:
    answer = _send(request)

    _assert_error_shape(answer)
    assert (answer.status, answer.body["error"]["code"]) == (404, "route_not_found")


@settings(_PROPERTY, max_examples=60)
@given(
    function=st.sampled_from(["chat", "history", "close"]),
    path=st.sampled_from(["/api/chat", f"/api/chat/{uuid4()}"]) | _path_segments.map(lambda s: f"/api/chat/{s}"),
    origin=st.none() | _header_values,
    headers=st.dictionaries(
        st.sampled_from(["Access-Control-Request-Method", "Access-Control-Request-Headers"]), _header_values
    ),
)
def test_any_preflight_is_a_204_that_allows_any_origin(
    function: str, path: str, origin: str | None, headers: dict[str, str]
) -> None:
    if origin is not None:
        headers = {**headers, "Origin": origin}
    event = _with_headers(rest_event("OPTIONS", path, resource="/{proxy+}"), headers)

    answer = _send(Request(function, event))

    assert answer.status == 204, answer
    assert answer.text == ""
    if origin:
        assert answer.headers["access-control-allow-origin"] == "*"


@settings(_PROPERTY, max_examples=200)
@given(data=st.data())
def test_no_answer_reveals_internal_ids_or_exception_text(known: Known, data: st.DataObject) -> None:
    answer = _send(data.draw(_any_request(known)))

    _assert_reveals_nothing_internal(answer, known.tenant)


_OTHER_VISITOR = UUID(int=3)


@settings(_PROPERTY, max_examples=50)
@given(data=st.data())
def test_a_chat_answer_is_a_reply_in_the_askers_own_conversation(known: Known, db: Db, data: st.DataObject) -> None:
    # Visitors share the ids a client chooses (clientMessageId, conversationId): a retry must find the
    # asker's own message, never another visitor's conversation or the visitor's message as the reply.
    asker = data.draw(st.sampled_from([known.visitor_id, _OTHER_VISITOR, uuid4()]))
    body = {
        "publicKey": str(known.tenant.public_key),
        "visitorId": str(asker),
        "message": data.draw(st.sampled_from(["Hello", "Do you open on Sundays?", "I want to talk to a human"])),
    }
    if data.draw(st.booleans()):
        body["conversationId"] = str(known.conversation_id)
    if data.draw(st.booleans()):
        body["clientMessageId"] = str(data.draw(st.sampled_from([UUID(int=1), UUID(int=2), uuid4()])))

    answer = _send(_chat(json.dumps(body), False, None))

    assert answer.status in {200, 404}, answer
    if answer.status == 200:
        conversation = UUID(answer.body["conversationId"])
        owner = db.execute("SELECT visitor_id FROM conversations WHERE id = %s", (conversation,)).fetchone()
        assert owner == {"visitor_id": asker}
        if answer.body["reply"] is not None:
            reply = db.execute(
                "SELECT role, conversation_id FROM messages WHERE id = %s", (answer.body["reply"]["id"],)
            ).fetchone()
            assert reply is not None
            assert reply["role"] in {"ai", "system"}
            assert reply["conversation_id"] == conversation


_FAILURES: list[Callable[[str], Exception]] = [
    RuntimeError,
    KeyError,
    ValueError,
    TypeError,
    psycopg.errors.UniqueViolation,
    psycopg.errors.SyntaxError,
    psycopg.DataError,
    psycopg.OperationalError,
]


@settings(_PROPERTY, max_examples=40)
@given(failure=st.sampled_from(_FAILURES), detail=_text, function=st.sampled_from(["chat", "history", "close"]))
def test_a_failure_inside_the_domain_is_answered_without_its_details(
    known: Known, monkeypatch: pytest.MonkeyPatch, failure: Callable[[str], Exception], detail: str, function: str
) -> None:
    from chatflow.conversations import repository, visitor_repository

    secret = (
        f'Traceback (most recent call last):\n  File "repository.py", line 42\n{detail}\n'
        f"SELECT * FROM channels WHERE organization_id = '{known.tenant.organization_id}'"
    )

    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise failure(secret)

    monkeypatch.setattr(repository, "load_post_context", fail)
    for name in ("load_conversation", "close_conversation"):
        monkeypatch.setattr(visitor_repository, name, fail)
    request = {
        "chat": _chat(
            json.dumps(
                {"publicKey": str(known.tenant.public_key), "visitorId": str(known.visitor_id), "message": "Hi"}
            ),
            False,
            None,
        ),
        "history": _history(
            str(known.conversation_id),
            {"publicKey": str(known.tenant.public_key), "visitorId": str(known.visitor_id)},
            None,
        ),
        "close": _close(str(known.conversation_id), json.dumps({"visitorId": str(known.visitor_id)}), False, None),
    }[function]

    answer = _send(request)

    assert answer.status in {500, 503}, answer
    assert answer.headers.get("content-type", "").startswith("application/json")
    assert set(answer.body["error"]) == {"code", "message"}
    _assert_reveals_nothing_internal(answer, known.tenant)

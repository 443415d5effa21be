"""The events AWS hands a function, built from what the local gateway received: API Gateway's REST
proxy event, its WebSocket API's CONNECT / MESSAGE / DISCONNECT events, the SQS event source
mapping's batch, EventBridge's scheduled event, and the Lambda context object they come with.

They carry the account, region and stage of moto's defaults, so that ARNs in events and in moto's
answers agree."""

from __future__ import annotations

import base64
import binascii
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

__all__ = [
    "ACCOUNT_ID",
    "API_ID",
    "FUNCTION_TIMEOUT_SECONDS",
    "REGION",
    "STAGE",
    "HttpRequest",
    "LambdaContext",
    "SocketInfo",
    "new_connection_id",
    "rest_event",
    "scheduled_event",
    "sqs_event",
    "websocket_event",
]

# moto's default account, so that ARNs in events and in moto's answers agree.
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
API_ID = "local"
STAGE = "local"
FUNCTION_TIMEOUT_SECONDS = 30

_TEXT_TYPES = ("application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded")


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """What the event is made of: one HTTP request as the gateway received it."""

    method: str
    path: str
    query_string: str = ""
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    scheme: str = "http"
    server_port: int = 8000
    protocol: str = "HTTP/1.1"


def rest_event(
    request: HttpRequest,
    *,
    resource: str,
    path_parameters: Mapping[str, str] | None = None,
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The REST API proxy event API Gateway sends to a Lambda function for this request."""
    now = now or datetime.now(UTC)
    request_id = request_id or str(uuid.uuid4())
    multi_headers = _forwarded(request, now)
    headers = {name: values[-1] for name, values in multi_headers.items()}
    user_agent = next((v for k, v in headers.items() if k.lower() == "user-agent"), None)
    host = next((v for k, v in headers.items() if k.lower() == "host"), "localhost")
    domain_name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query_string, keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    body, is_base64 = _event_body(request.body, headers)
    return {
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": f"{binascii.crc32(resource.encode()):08x}"[:6],
            "resourcePath": resource,
            "httpMethod": request.method,
            "extendedRequestId": base64.b64encode(secrets.token_bytes(10)).decode(),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{STAGE}{request.path}",
            "accountId": ACCOUNT_ID,
            "protocol": request.protocol,
            "stage": STAGE,
            "domainPrefix": domain_name.split(".", 1)[0],
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": request.source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": user_agent,
                "user": None,
            },
            "domainName": domain_name,
            "apiId": API_ID,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _forwarded(request: HttpRequest, now: datetime) -> dict[str, list[str]]:
    """The client's headers plus the X-Forwarded-* and trace headers API Gateway adds."""
    headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers.setdefault(name, []).append(value)
    existing = {name.lower(): name for name in headers}
    forwarded_for = existing.get("x-forwarded-for", "X-Forwarded-For")
    chain = ", ".join([*headers.get(forwarded_for, []), request.source_ip])
    headers[forwarded_for] = [chain]
    headers[existing.get("x-forwarded-proto", "X-Forwarded-Proto")] = [request.scheme]
    headers[existing.get("x-forwarded-port", "X-Forwarded-Port")] = [str(request.server_port)]
    if "x-amzn-trace-id" not in existing:
        headers["X-Amzn-Trace-Id"] = [f"Root=1-{int(now.timestamp()):08x}-{secrets.token_hex(12)}"]
    return headers


def _event_body(body: bytes, headers: Mapping[str, str]) -> tuple[str | None, bool]:
    if not body:
        return None, False
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    textual = (
        not media_type
        or media_type.startswith("text/")
        or media_type in _TEXT_TYPES
        or media_type.endswith(("+json", "+xml"))
    )
    if textual:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass  # declared as text but is not: pass it on untouched
    return base64.b64encode(body).decode("ascii"), True


def sqs_event(messages: Sequence[Mapping[str, Any]], *, queue_arn: str, region: str = REGION) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping sends, from messages as receive_message returns
    them (with AttributeNames and MessageAttributeNames "All")."""
    records = []
    for m in messages:
        records.append(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": {
                    name: {
                        "stringValue": value.get("StringValue"),
                        "binaryValue": value.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": value.get("DataType", "String"),
                    }
                    for name, value in (m.get("MessageAttributes") or {}).items()
                },
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def scheduled_event(function: str, *, now: datetime | None = None) -> dict[str, Any]:
    """The event EventBridge sends to a function on a schedule rule."""
    now = now or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/chatflow-{function}-schedule"],
        "detail": {},
    }


def new_connection_id() -> str:
    """An id in the format of API Gateway's (`L0SM9cOFvHcCIhw=`): 11 random bytes, base64. Like
    AWS's it may hold `/` and `+`, which boto3 percent-encodes in the @connections path."""
    return base64.b64encode(secrets.token_bytes(11)).decode("ascii")


@dataclass(frozen=True, slots=True)
class SocketInfo:
    """What the gateway knows of a socket, and puts in each of its events."""

    connection_id: str
    connected_at: datetime
    source_ip: str
    user_agent: str | None
    domain_name: str


def websocket_event(
    socket_info: SocketInfo,
    *,
    route_key: str,
    event_type: str,
    request: HttpRequest | None = None,
    body: bytes | None = None,
    disconnect_code: int | None = None,
    disconnect_reason: str = "",
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The event API Gateway's WebSocket API sends a Lambda function: CONNECT (with the handshake's
    headers and query string), MESSAGE (with the body) or DISCONNECT (with the close code)."""
    now = now or datetime.now(UTC)
    context: dict[str, Any] = {"routeKey": route_key}
    if event_type == "MESSAGE":
        context["messageId"] = new_connection_id()
    if event_type == "DISCONNECT":
        context["disconnectStatusCode"] = disconnect_code if disconnect_code is not None else 1005
    context.update(
        eventType=event_type,
        extendedRequestId=new_connection_id(),
        requestTime=now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        messageDirection="IN",
    )
    if event_type == "DISCONNECT":
        context["disconnectReason"] = disconnect_reason
    identity: dict[str, Any] = {"sourceIp": socket_info.source_ip}
    if event_type != "MESSAGE" and socket_info.user_agent is not None:
        identity = {"userAgent": socket_info.user_agent, **identity}
    context.update(
        stage=STAGE,
        connectedAt=int(socket_info.connected_at.timestamp() * 1000),
        requestTimeEpoch=int(now.timestamp() * 1000),
        identity=identity,
        requestId=request_id or new_connection_id(),
        domainName=socket_info.domain_name,
        connectionId=socket_info.connection_id,
        apiId=API_ID,
    )
    event: dict[str, Any] = {}
    if event_type == "CONNECT" and request is not None:
        multi_headers = _forwarded(request, now)
        event["headers"] = {name: values[-1] for name, values in multi_headers.items()}
        event["multiValueHeaders"] = multi_headers
        multi_query: dict[str, list[str]] = {}
        for name, value in parse_qsl(request.query_string, keep_blank_values=True):
            multi_query.setdefault(name, []).append(value)
        if multi_query:  # AWS leaves the keys out when the URL has no query string
            event["queryStringParameters"] = {k: v[-1] for k, v in multi_query.items()}
            event["multiValueQueryStringParameters"] = multi_query
    elif event_type == "DISCONNECT":
        headers = {"Host": socket_info.domain_name, "X-Forwarded-For": socket_info.source_ip}
        event["headers"] = headers
        event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    event["requestContext"] = context
    if event_type == "MESSAGE":
        try:
            event["body"], event["isBase64Encoded"] = (body or b"").decode("utf-8"), False
        except UnicodeDecodeError:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body or b"").decode("ascii"), True
    else:
        event["isBase64Encoded"] = False
    return event


@dataclass
class LambdaContext:
    """The attributes and method of Lambda's context object that our code and Powertools read."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    timeout_seconds: float = FUNCTION_TIMEOUT_SECONDS
    _deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{datetime.now(UTC):%Y/%m/%d}/[{self.function_version}]local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

"""API Gateway REST proxy events, made from the real event kept in tests/events/."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

__all__ = ["LambdaContextStub", "rest_event", "sqs_event"]

_TEMPLATE: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "events" / "api_gateway_rest_post_chat.json").read_text()
)


def rest_event(
    method: str,
    path: str,
    *,
    resource: str,
    body: Any = None,
    raw_body: str | None = None,
    query: dict[str, str] | None = None,
    path_parameters: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    base64_body: bool = False,
    source_ip: str | None = None,
) -> dict[str, Any]:
    """The template event with this request's method, path, parameters and body (and, given one,
    the address it came from)."""
    event: dict[str, Any] = copy.deepcopy(_TEMPLATE)
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    if headers is not None:
        event["headers"].update(headers)
        event["multiValueHeaders"].update({k: [v] for k, v in headers.items()})
    event.update(
        httpMethod=method,
        path=path,
        resource=resource,
        queryStringParameters=query,
        multiValueQueryStringParameters={k: [v] for k, v in query.items()} if query else None,
        pathParameters=path_parameters,
        body=base64.b64encode(text.encode()).decode() if (base64_body and text is not None) else text,
        isBase64Encoded=base64_body,
    )
    event["requestContext"].update(httpMethod=method, resourcePath=resource, path=f"/prod{path}")
    if source_ip is not None:
        event["requestContext"]["identity"]["sourceIp"] = source_ip
    return event


_SQS_TEMPLATE: dict[str, Any] = json.loads((Path(__file__).parent.parent / "events" / "sqs_ingest.json").read_text())


def sqs_event(*bodies: str, receive_count: int = 1) -> dict[str, Any]:
    """An SQS event as Lambda's event source mapping delivers it, one record per body."""
    import hashlib
    import uuid

    records = []
    for body in bodies:
        record = copy.deepcopy(_SQS_TEMPLATE["Records"][0])
        record.update(messageId=str(uuid.uuid4()), body=body, md5OfBody=hashlib.md5(body.encode()).hexdigest())
        record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
        records.append(record)
    return {"Records": records}


class LambdaContextStub:
    """The attributes of Lambda's context object that Powertools reads."""

    function_name = "chatflow-test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:chatflow-test"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

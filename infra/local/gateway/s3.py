"""S3 for browsers on the local stack: moto's S3 behind the gateway's `/s3`, with what moto leaves out.

Presigned URLs name ATTACHMENTS_PUBLIC_ENDPOINT_URL (`{gateway}/s3`), so a browser on any page can
POST an upload and GET a file through the gateway, which forwards to moto. moto's server enforces
neither a POST policy nor a presigned URL's signature or expiry (FACTS.md); real S3 does, and the
product's tests need the same refusals here, so this front checks them as S3 does, with the local
stack's credentials:

- POST (a presigned POST's form): the policy's signature, its expiration, and its conditions (`eq`
  and `starts-with` on fields, `content-length-range` on the file) → 403 AccessDenied /
  400 EntityTooLarge / EntityTooSmall, with S3's XML error body.
- GET/HEAD of an object: a SigV4 query signature made with the local secret, within X-Amz-Expires of
  X-Amz-Date → else 403 (AccessDenied "Request has expired", SignatureDoesNotMatch).
- CORS: any origin may POST, GET and HEAD (the CDK gives the real bucket the same rule).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import hmac
import json
import os
import threading
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import quote, unquote

import httpx
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["MEDIA_PATH", "S3_PATH", "S3Front", "check_policy", "check_presigned_get"]

S3_PATH = "/s3"
MEDIA_PATH = "/media"
_MAX_FORM_BYTES = 12 * 1024 * 1024
_client_lock = threading.Lock()
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, POST",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Expose-Headers": "ETag",
    "Access-Control-Max-Age": "600",
}


class S3Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _signing_key(secret: str, date: str, region: str, service: str = "s3") -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _scope_parts(credential: str) -> tuple[str, str, str]:
    """(date, region, service) of an X-Amz-Credential `access/date/region/service/aws4_request`."""
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise S3Refusal(403, "AccessDenied", "Invalid credential scope.")
    return parts[1], parts[2], parts[3]


def check_policy(
    fields: dict[str, str], file_size: int, secret: str, *, bucket: str, now: datetime | None = None
) -> None:
    """S3's checks of a browser-based POST upload (SigV4 POST policy) to `bucket`; raises S3Refusal."""
    policy_b64 = fields.get("policy") or fields.get("Policy")
    signature = fields.get("x-amz-signature")
    credential = fields.get("x-amz-credential")
    if not policy_b64 or not signature or not credential:
        raise S3Refusal(403, "AccessDenied", "Bucket POST must contain a policy and its signature.")
    date, region, service = _scope_parts(credential)
    expected = hmac.new(_signing_key(secret, date, region, service), policy_b64.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise S3Refusal(403, "SignatureDoesNotMatch", "The policy's signature does not match.")
    try:
        policy = json.loads(base64.b64decode(policy_b64))
        expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError) as exc:
        raise S3Refusal(400, "InvalidPolicyDocument", "The policy cannot be read.") from exc
    if (now or datetime.now(UTC)) > expiration:
        raise S3Refusal(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    # The bucket is the URL's, not a field; a condition on it is checked against that.
    lowered = {**{k.lower(): v for k, v in fields.items()}, "bucket": bucket}
    for condition in policy.get("conditions", []):
        if isinstance(condition, dict):
            for name, value in condition.items():
                if lowered.get(name.lower()) != value:
                    raise S3Refusal(
                        403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {name}"
                    )
        elif isinstance(condition, list) and len(condition) == 3:
            op, name, value = condition
            if op == "content-length-range":
                if file_size > int(value):
                    raise S3Refusal(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
                if file_size < int(name):
                    raise S3Refusal(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum size.")
                continue
            field = str(name).lstrip("$").lower()
            actual = lowered.get(field, "")
            if (op == "eq" and actual != value) or (op == "starts-with" and not actual.startswith(value)):
                raise S3Refusal(403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {name}")


def check_presigned_get(
    method: str, host: str, path: str, query: list[tuple[str, str]], secret: str, now: datetime | None = None
) -> None:
    """S3's checks of a SigV4 presigned URL (query authentication); raises S3Refusal."""
    params = dict(query)
    try:
        amz_date = params["X-Amz-Date"]
        expires = int(params["X-Amz-Expires"])
        credential = params["X-Amz-Credential"]
        signature = params["X-Amz-Signature"]
        signed_headers = params["X-Amz-SignedHeaders"]
    except (KeyError, ValueError) as exc:
        raise S3Refusal(403, "AccessDenied", "Request is not signed.") from exc
    signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    if (now or datetime.now(UTC)) > signed_at + timedelta(seconds=expires):
        raise S3Refusal(403, "AccessDenied", "Request has expired")
    date, region, service = _scope_parts(credential)
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query) if k != "X-Amz-Signature"
    )
    headers = {"host": host}
    canonical_headers = "".join(f"{h}:{headers.get(h, '')}\n" for h in signed_headers.split(";"))
    canonical_request = "\n".join(
        [method, quote(path, safe="/-_.~"), canonical_query, canonical_headers, signed_headers, "UNSIGNED-PAYLOAD"]
    )
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
    expected = hmac.new(_signing_key(secret, date, region, service), to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise S3Refusal(403, "SignatureDoesNotMatch", "The request signature we calculated does not match.")


def _form(content_type: str, body: bytes) -> tuple[dict[str, str], bytes | None, str | None]:
    """(fields, the file's bytes, the file part's Content-Type) of a multipart/form-data body."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, str] = {}
    data: bytes | None = None
    file_type: str | None = None
    if not message.is_multipart():
        return fields, None, None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True) or b""
        if name == "file":
            data = payload if isinstance(payload, bytes) else bytes(payload)
            file_type = part.get_content_type()
        else:
            fields[name] = payload.decode("utf-8") if isinstance(payload, bytes) else str(payload)
    return fields, data, file_type


def _error(refusal: S3Refusal) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{refusal.code}</Code><Message>{refusal.message}</Message></Error>"
    )
    return Response(body, status_code=refusal.status, media_type="application/xml", headers=_CORS)


class S3Front:
    """The Starlette endpoint for `/s3/{path}`: checks as S3 does, then forwards to moto. Also `/media/{path}`:
    the bucket's public pictures (chatflow.media), unsigned, as CloudFront serves them in AWS."""

    def __init__(self, moto_url: str | None = None, secret: str | None = None, bucket: str | None = None) -> None:
        self._moto_url = moto_url
        self._secret = secret
        self._bucket = bucket

    async def media(self, request: Request) -> Response:
        bucket = self._bucket or os.environ.get("ATTACHMENTS_BUCKET", "")
        if not self.moto_url or not bucket:
            return Response(status_code=404)
        # The object's key is the path itself (media/…): nothing outside that prefix is reachable.
        key = request.url.path.lstrip("/")
        if not key.startswith(MEDIA_PATH.lstrip("/") + "/") or ".." in key.split("/"):
            return Response(status_code=404)
        # Read with the gateway's credentials, as CloudFront's origin access control does (moto refuses
        # an anonymous GET of a private bucket, as S3 would).
        url = await run_in_threadpool(self._signed_get, bucket, key)
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.request(request.method, url)
        if answer.status_code != 200:
            return Response(status_code=404)
        headers = {"Cache-Control": "public, max-age=31536000, immutable"}
        headers.update({k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "etag")})
        return Response(answer.content, headers=headers)

    def _signed_get(self, bucket: str, key: str) -> str:
        url: str = self._media_signer.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=60
        )
        return url

    @cached_property
    def _media_signer(self) -> Any:
        # One client for the gateway's life: making one costs milliseconds of CPU, and every picture
        # of every page view comes through here.
        import boto3

        with _client_lock:  # boto3's default session is not thread-safe while it creates clients
            return boto3.client(
                "s3",
                endpoint_url=self.moto_url,
                region_name=os.environ.get("AWS_REGION", "us-east-1"),
                aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
                aws_secret_access_key=self.secret,
            )

    @property
    def moto_url(self) -> str:
        return (self._moto_url or os.environ.get("AWS_ENDPOINT_URL") or "").rstrip("/")

    @property
    def secret(self) -> str:
        return self._secret or os.environ.get("AWS_SECRET_ACCESS_KEY", "local")

    async def endpoint(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=_CORS)
        if not self.moto_url:
            return _error(S3Refusal(503, "ServiceUnavailable", "No S3 behind this gateway."))
        path = request.url.path.removeprefix(S3_PATH) or "/"
        try:
            if request.method == "POST":
                return await self._post(request, path)
            if request.method in ("GET", "HEAD"):
                check_presigned_get(
                    request.method,
                    request.headers.get("host", ""),
                    unquote(request.url.path),
                    [(k, v) for k, v in request.query_params.multi_items()],
                    self.secret,
                )
                return await self._forward(request.method, path, request.url.query, {}, None)
        except S3Refusal as refusal:
            return _error(refusal)
        return _error(S3Refusal(405, "MethodNotAllowed", "Only presigned POST, GET and HEAD come through here."))

    async def _post(self, request: Request, path: str) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > _MAX_FORM_BYTES:
            raise S3Refusal(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
        body = await request.body()
        fields, data, _file_type = _form(request.headers.get("content-type", ""), body)
        if data is None:
            raise S3Refusal(400, "InvalidArgument", "POST requires exactly one file upload per request.")
        check_policy(fields, len(data), self.secret, bucket=path.strip("/").split("/")[0])
        return await self._forward("POST", path, "", {"content-type": request.headers.get("content-type", "")}, body)

    async def _forward(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes | None
    ) -> Response:
        url = f"{self.moto_url}{quote(unquote(path), safe='/-_.~')}" + (f"?{query}" if query else "")
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.request(method, url, headers=headers, content=body)
        kept = {
            k: v
            for k, v in answer.headers.items()
            if k.lower() in ("content-type", "content-length", "etag", "last-modified", "content-disposition")
        }
        return Response(answer.content, status_code=answer.status_code, headers={**kept, **_CORS})

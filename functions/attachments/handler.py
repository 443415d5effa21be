"""The visitor's attachments (chatflow.attachments): POST /api/chat/{conversationId}/attachments grants a
presigned POST straight to S3; POST /api/chat/{conversationId}/attachments/{attachmentId} confirms the
upload, which is checked, then shown in the conversation as the visitor's message (201; 200 again)."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.attachments.service import confirm_visitor_upload, request_visitor_upload
from chatflow.observability import correlation_paths, logger, trace_handler
from chatflow_edge.widget_api import build_resolver, limit_request, origin_of, parse_body, parse_uuid
from chatflow_edge.widget_api.attachments import (
    AttachmentConfirm,
    AttachmentUploadRequest,
    AttachmentUploadResponse,
    ConfirmedAttachment,
)
from chatflow_edge.widget_api.models import MessageOut

app = build_resolver()


@app.post("/api/chat/<conversation_id>/attachments")
def post_attachment(conversation_id: str) -> Response[dict[str, object]]:
    conversation = parse_uuid(conversation_id, "conversationId")
    request = parse_body(app.current_event, AttachmentUploadRequest)
    # Counted with the visitor's messages: an upload becomes one.
    limit_request(app.current_event, "chat_post", request.visitor_id)
    grant = request_visitor_upload(
        public_key=request.public_key,
        visitor_id=request.visitor_id,
        conversation_id=conversation,
        name=request.name,
        content_type=request.content_type,
        size=request.size,
        origin=origin_of(app.current_event),
    )
    return Response(201, content_types.APPLICATION_JSON, AttachmentUploadResponse.of(grant).dump())


@app.post("/api/chat/<conversation_id>/attachments/<attachment_id>")
def confirm_attachment(conversation_id: str, attachment_id: str) -> Response[dict[str, object]]:
    conversation = parse_uuid(conversation_id, "conversationId")
    attachment = parse_uuid(attachment_id, "attachmentId")
    request = parse_body(app.current_event, AttachmentConfirm)
    limit_request(app.current_event, "chat_patch", request.visitor_id)
    message = confirm_visitor_upload(
        public_key=request.public_key,
        visitor_id=request.visitor_id,
        conversation_id=conversation,
        attachment_id=attachment,
        origin=origin_of(app.current_event),
    )
    return Response(201, content_types.APPLICATION_JSON, ConfirmedAttachment(message=MessageOut.of(message)).dump())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@trace_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)


cold_start.finished()

"""ANY /api/dashboard/{proxy+} — the operators' API (FastAPI) behind Mangum."""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from mangum import Mangum

from app import app
from chatflow.observability import correlation_paths, logger, trace_handler

_mangum = Mangum(app, lifespan="off")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@trace_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _mangum(event, context)  # type: ignore[arg-type]  # the same object, typed by two libraries


cold_start.finished()

"""ANY /api/dashboard/{proxy+} — the operators' API (FastAPI) behind Mangum."""

import gc
import os

# The cyclic collector waits while the cold start imports (it would scan the growing heap again and
# again: 5-45 ms of CPU per function here), and what the import built is then frozen out of its reach
# (gc.freeze at the end of this module): it lives as long as the process (docs/benchmarks.md).
gc.disable()
# No pydantic plugin is used: without this, the first model built reads every installed package's
# entry points to look for one (10-17 ms of CPU here).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

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


# The end of the cold start's imports (gc.disable above): what they built lives as long as the process.
gc.freeze()
gc.enable()

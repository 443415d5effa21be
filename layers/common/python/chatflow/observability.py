"""Logger, tracer and metrics shared by every function (Powertools). Service name, log level and
namespace come from POWERTOOLS_* variables, set per function by the CDK and the local gateway."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

# Every function imports this module: so every function registers the SnapStart hooks, which close
# the database pool and re-seed `random` around a snapshot (chatflow.snapstart).
from chatflow import snapstart  # noqa: F401

__all__ = ["correlation_paths", "logger", "metrics", "trace_handler", "tracing_enabled"]

Handler = TypeVar("Handler", bound=Callable[..., Any])

logger = Logger()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ChatFlow360"))

# The domain logs through the standard library; give its loggers the Lambda's JSON format and
# correlation id so that one request reads as one story.
copy_config_to_registered_loggers(source_logger=logger, include={"chatflow"})


def tracing_enabled() -> bool:
    return not resolve_truthy_env_var_choice(env=os.environ.get("POWERTOOLS_TRACE_DISABLED", "false"))


def trace_handler(handler: Handler) -> Handler:
    """Powertools' Tracer around a Lambda handler, created only where tracing is on: the X-Ray SDK
    costs ~0.2 s of import at every cold start, which a function with tracing off should not pay.
    Responses are never captured: they carry visitors' messages."""
    if not tracing_enabled():
        return handler
    from aws_lambda_powertools import Tracer

    return cast(Handler, Tracer().capture_lambda_handler(handler, capture_response=False))

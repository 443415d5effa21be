"""Logger, tracer and metrics shared by every function (Powertools). Service name, log level and
namespace come from POWERTOOLS_* variables, set per function by the CDK and the local gateway."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

__all__ = ["correlation_paths", "logger", "metrics", "tracer"]

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="ChatFlow360")

# The domain logs through the standard library; give its loggers the Lambda's JSON format and
# correlation id so that one request reads as one story.
copy_config_to_registered_loggers(source_logger=logger, include={"chatflow"})

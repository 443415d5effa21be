"""CDK trigger, on every deploy: apply pending migrations under chatflow.migrate's advisory lock.

Connects straight to the cluster's writer (DATABASE_HOST is the cluster endpoint, not the proxy):
DDL and a lock held for minutes are what a proxy would pin a connection for. An exception fails the
trigger, and so the deploy, before any function runs new code on an old schema.
"""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from aws_lambda_powertools.utilities.typing import LambdaContext

from chatflow.migrate import migrate
from chatflow.observability import logger
from chatflow.secrets import database_url
from chatflow.settings import get_settings


@logger.inject_lambda_context
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, list[str]]:
    applied = migrate(database_url(get_settings()))
    logger.info("migrations applied", extra={"applied": applied, "count": len(applied)})
    return {"applied": applied}


cold_start.finished()

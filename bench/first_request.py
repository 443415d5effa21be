"""What a cold chat function's first visitor message costs, printed as figures (never asserted).

    .venv/bin/python -m bench.first_request        (make bench)

bench/cold_start.py times the import of each function's handler; what an import defers (the
database pool's package, pgvector's adapter, lingua's language models, the connections themselves) is
paid by the first request instead. Here, in fresh interpreters against a throw-away PostgreSQL (as
bench/widget_api.py makes it), the chat function is imported and then asked three messages in one
conversation, each timed (wall and the process's CPU), two ways, interleaved:

- cold: as on the local stack, or in AWS without SnapStart;
- restored: the SnapStart hooks run as Lambda runs them around a snapshot (chatflow.snapstart, and the
  chat's own) between the import and the first message, as a restored environment's first request
  finds it.

The SQS signal of each message's events is left out (replaced by nothing in the child): in AWS it
is one SendMessage round trip; bench/widget_api.py times it apart on moto's server.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
from typing import Any

from bench.widget_api import _database, _seed_channel, _set_function_environment
from infra.functions import LAYER_PYTHON_DIR, ROOT

RUNS = 5
_WAYS = ("cold", "restored")

_PROBE = """
import json, os, sys, time
from uuid import uuid4
wall, cpu = time.perf_counter(), time.process_time()
from infra.functions import load_handler
handler = load_handler("chat")
imported = (time.perf_counter() - wall, time.process_time() - cpu)
from chatflow.outbox import service
service._send = lambda *args, **kwargs: None
if sys.argv[2] == "restored":
    from snapshot_restore_py import get_after_restore, get_before_snapshot
    for func, args, kwargs in reversed(get_before_snapshot()):
        func(*args, **kwargs)
    for func, args, kwargs in get_after_restore():
        func(*args, **kwargs)
from tests.support.events import LambdaContextStub, rest_event
context, visitor, conversation, timed = LambdaContextStub(), str(uuid4()), None, []
for n in range(3):
    body = {"publicKey": sys.argv[1], "visitorId": visitor, "message": "Hi! What are your opening hours?",
            "lang": "en", "clientMessageId": str(uuid4())}
    if conversation:
        body["conversationId"] = conversation
    event = rest_event("POST", "/api/chat", resource="/api/chat", body=body)
    event["requestContext"]["identity"]["sourceIp"] = f"10.7.{n}.{os.getpid() % 250}"
    wall, cpu = time.perf_counter(), time.process_time()
    response = handler(event, context)
    timed.append((time.perf_counter() - wall, time.process_time() - cpu))
    assert response["statusCode"] == 200, response
    conversation = json.loads(response["body"])["conversationId"]
print(json.dumps({"import": imported, "requests": timed}))
"""


def main() -> None:
    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    print("ChatFlow360 first request: a cold chat function's first messages, in fresh interpreters", flush=True)
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), _database(None) as (url, _where):
        _set_function_environment(url)
        public_key = str(_seed_channel(url))
        environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        # Set so that the outbox signals (the send itself is replaced in the child) rather than
        # dispatching the listeners in the process, which a function never does.
        environment["DISPATCH_QUEUE_URL"] = "http://127.0.0.1:9/bench-dispatch"
        _report(f"   machine: {os.cpu_count()} cores, {_load()} (before); Python {sys.version.split()[0]}")
        runs: dict[str, list[dict[str, Any]]] = {way: [] for way in _WAYS}
        for attempt in range(RUNS + 1):  # the first, uncounted, leaves bytecode for the others
            for way in _WAYS:
                result = _probe(public_key, way, environment)
                if attempt:
                    runs[way].append(result)
        _report(f"   ms, median of {RUNS} fresh interpreters each; wall / CPU")
        _report(f"   {'':<10}{'import':>15}{'1st message':>17}{'2nd':>15}{'3rd':>15}")
        for way in _WAYS:
            cells = [_cell([run["import"] for run in runs[way]])]
            cells += [_cell([run["requests"][n] for run in runs[way]]) for n in range(3)]
            _report(f"   {way:<10}{cells[0]:>15}{cells[1]:>17}{cells[2]:>15}{cells[3]:>15}")
        _report(f"   machine: {_load()} (after)")
        _report("   cold: as on the local stack; restored: after the SnapStart hooks, as in AWS.")


def _probe(public_key: str, way: str, environment: dict[str, str]) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, public_key, way],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _cell(pairs: list[list[float]]) -> str:
    wall = statistics.median(pair[0] for pair in pairs) * 1_000
    cpu = statistics.median(pair[1] for pair in pairs) * 1_000
    return f"{wall:.0f} / {cpu:.0f}" if wall >= 10 else f"{wall:.1f} / {cpu:.1f}"


def _report(line: str) -> None:
    print(line, file=sys.__stdout__, flush=True)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


if __name__ == "__main__":
    main()

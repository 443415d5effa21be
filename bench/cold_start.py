"""What each function costs to import at a cold start, printed as figures (never asserted).

    .venv/bin/python -m bench.cold_start [function ...]        (make bench)

For every function under functions/ (or those named), in fresh interpreters:

1. the time to import its handler the way Lambda does (infra.functions.load_handler: the function's
   folder and the common layer on sys.path), the interpreter's own start-up left out: the minimum and
   the median of IMPORT_RUNS runs, wall-clock, and the median CPU time of the same runs (the
   process's, which a busy machine disturbs less). The minimum is the machine's best case; the median
   is what the target is held against. On a shared machine both move with its load: the load average
   is printed before and after, and a figure taken under load is worth re-taking when the machine is
   quiet. Each function is imported once, uncounted, before its runs, with bytecode writing on: the
   runs then read compiled modules, as Lambda does from a layer and a function built with their
   bytecode (infra/constructs/layer.py, infra/constructs/service_function.py);
2. the median CPU time of UNCOMPILED_RUNS imports with every module outside the standard library
   compiled from its source (none of their bytecode read, none written), as Lambda imported the layer
   and the function before they shipped bytecode: Lambda's file system is read-only, so an environment
   compiled them again on every cold start. The difference with 1. is what shipping bytecode saves;
3. where that time goes: `python -X importtime`, each module's own time (its imports excluded) summed
   per package (chatflow's per area), the largest first, median of IMPORTTIME_RUNS runs (importtime's
   own overhead inflates them: read them as shares, not as milliseconds to add up).

The functions run as on the local stack with tracing off (POWERTOOLS_TRACE_DISABLED): in AWS, X-Ray's
SDK adds ~0.2 s to a function imported from scratch, and SnapStart takes the whole import out of the
visitor's way (infra/DEPLOY.md). Nothing connects anywhere: the database pool opens on a first request.
Only what the layer ships can be imported: the development environment's other packages (pytest's,
the CDK's, schemathesis' rich and click…) are refused, as they are missing in Lambda, so that a
library's optional import of them (httpx's command line imports rich, click and pygments when it
finds them) is not counted.

Each run's figures are kept in .local/bench/cold_start.json and the next run prints them beside its own.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from functools import cache
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra.functions import FUNCTIONS_DIR, LAYER_PYTHON_DIR, ROOT

TARGET_MS = 150.0
IMPORT_RUNS = 7
UNCOMPILED_RUNS = 3
IMPORTTIME_RUNS = 3
TOP = 5
HISTORY = ROOT / ".local" / "bench" / "cold_start.json"

# Set up before any timing: the packages the layer does not ship are refused (argv[2], comma-separated
# top-level names); with argv[3] == "source", every module outside the standard library is compiled from
# its source: the bootstrap's cache_from_source raising NotImplementedError makes the source loader
# neither read nor write bytecode.
_PROBE_SETUP = """
import sys, sysconfig, time
import importlib._bootstrap_external as _external
class _NotInLayer:
    refused = frozenset(sys.argv[2].split(","))
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.partition(".")[0] in cls.refused:
            raise ModuleNotFoundError(f"No module named {name!r} (not in the layer)", name=name)
        return None
sys.meta_path.insert(0, _NotInLayer)
if sys.argv[3:] == ["source"]:
    _stdlib = sysconfig.get_path("stdlib") + "/"  # the base interpreter's: a venv's platstdlib holds site-packages
    _cache_from_source = _external.cache_from_source
    def _stdlib_bytecode_only(path, *args, **kwargs):
        if not path.startswith(_stdlib):
            raise NotImplementedError  # the loader's own "no bytecode cache here": it compiles the source
        return _cache_from_source(path, *args, **kwargs)
    _external.cache_from_source = _stdlib_bytecode_only
"""
# Timed inside the fresh interpreter, so that its own start-up (site, encodings…) is left out.
_IMPORT_PROBE = (
    _PROBE_SETUP
    + """
started, cpu_started = time.perf_counter(), time.process_time()
from infra.functions import load_handler
load_handler(sys.argv[1])
print(time.perf_counter() - started, time.process_time() - cpu_started)
"""
)
_IMPORTTIME_PROBE = (
    _PROBE_SETUP
    + """
sys.stderr.write("--bench: handler import starts--\\n")
from infra.functions import load_handler
load_handler(sys.argv[1])
"""
)
_IMPORTTIME_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)")

# What a function runs with on the local stack, minus anything that would reach a service.
_ENVIRONMENT = {
    "DATABASE_URL": "host=/nonexistent dbname=bench",  # never connected: the pool opens on a request
    "ALLOW_OFFLINE_AI": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "chatflow-bench",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "LOG_LEVEL": "WARNING",
    "ENCRYPTION_KEY": "00" * 32,
    "AWS_DEFAULT_REGION": "us-east-1",
}


def main(argv: list[str]) -> None:
    functions = argv or sorted(p.parent.name for p in FUNCTIONS_DIR.glob("*/handler.py"))
    previous = _previous()
    print("ChatFlow360 cold start: each function's handler imported in a fresh interpreter", flush=True)
    print(f"   machine: {os.cpu_count()} cores, {_load()} (before); Python {sys.version.split()[0]}", flush=True)
    print(
        f"   import time, ms: wall min and median, CPU median, of {IMPORT_RUNS} runs reading bytecode (target: "
        f"wall median ≤ {TARGET_MS:g} ms); 'from source': CPU median of {UNCOMPILED_RUNS} runs compiling every "
        f"module outside the standard library (a layer and function shipped without bytecode); then the top "
        f"{TOP} packages by own import time (-X importtime, median of {IMPORTTIME_RUNS})",
        flush=True,
    )
    print(
        f"   {'function':<17}{'min':>7}{'median':>8}{'CPU':>6}{'from source':>13}  {'last run':<14}target", flush=True
    )
    figures: dict[str, dict[str, float]] = {}
    for function in functions:
        _fresh_python(["-c", _IMPORT_PROBE, function, _not_in_layer()])  # uncounted: compiles what has no bytecode yet
        runs = [_import_ms(function) for _ in range(IMPORT_RUNS)]
        walls = [wall for wall, _cpu in runs]
        figures[function] = {
            "min": min(walls),
            "median": statistics.median(walls),
            "cpu": statistics.median(cpu for _wall, cpu in runs),
            "source_cpu": statistics.median(_import_ms(function, source=True)[1] for _ in range(UNCOMPILED_RUNS)),
        }
        before = previous.get(function)
        last = f"{before['min']:.0f} / {before['median']:.0f}" if before else "-"
        low, median, cpu = figures[function]["min"], figures[function]["median"], figures[function]["cpu"]
        source = figures[function]["source_cpu"]
        verdict = "ok" if median <= TARGET_MS else "OVER"
        print(f"   {function:<17}{low:>7.0f}{median:>8.0f}{cpu:>6.0f}{source:>13.0f}  {last:<14}{verdict}", flush=True)
        print("      " + ", ".join(f"{name} {ms:.0f}" for name, ms in _top_packages(function)), flush=True)
    print(f"   machine: {_load()} (after)", flush=True)
    over = [f for f, v in figures.items() if v["median"] > TARGET_MS]
    print(
        f"\nSummary: {len(functions) - len(over)} of {len(functions)} functions within {TARGET_MS:g} ms (median)"
        + (f"; over: {', '.join(over)}" if over else ""),
        flush=True,
    )
    _save(figures)


def _import_ms(function: str, *, source: bool = False) -> tuple[float, float]:
    """(wall, CPU) milliseconds of one import of the function's handler in a fresh interpreter, reading
    bytecode or (source) compiling every module outside the standard library."""
    args = ["-c", _IMPORT_PROBE, function, _not_in_layer(), *(["source"] if source else [])]
    wall, cpu = _fresh_python(args).stdout.split()
    return float(wall) * 1_000, float(cpu) * 1_000


def _top_packages(function: str) -> list[tuple[str, float]]:
    """Own import time per package (chatflow and chatflow_edge per area), median over runs, largest first."""
    per_run: list[dict[str, float]] = []
    for _ in range(IMPORTTIME_RUNS):
        args = ["-X", "importtime", "-c", _IMPORTTIME_PROBE, function, _not_in_layer()]
        lines = _fresh_python(args).stderr.splitlines()
        start = lines.index("--bench: handler import starts--")
        totals: dict[str, float] = defaultdict(float)
        for line in lines[start + 1 :]:
            if match := _IMPORTTIME_LINE.match(line):
                totals[_package(match[4])] += int(match[1]) / 1_000
        per_run.append(totals)
    names = set().union(*per_run)
    medians = {name: statistics.median(run.get(name, 0.0) for run in per_run) for name in names}
    return sorted(medians.items(), key=lambda item: item[1], reverse=True)[:TOP]


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] in ("chatflow", "chatflow_edge") and len(parts) > 1 else parts[0]


@cache
def _not_in_layer() -> str:
    """The top-level modules of the installed distributions the layer does not ship (comma-separated):
    those outside what layers/common/requirements.txt requires, its requirements' own included."""
    shipped: set[str] = set()
    pending = [
        Requirement(line)
        for line in (
            raw.split("#")[0].strip() for raw in (LAYER_PYTHON_DIR.parent / "requirements.txt").read_text().splitlines()
        )
        if line
    ]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        requirement = pending.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        shipped.add(key[0])
        try:
            requires = metadata.distribution(requirement.name).requires or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            needed = Requirement(line)
            extras = requirement.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in extras):
                pending.append(needed)
    return ",".join(
        sorted(
            module
            for module, distributions in metadata.packages_distributions().items()
            if not any(canonicalize_name(distribution) in shipped for distribution in distributions)
        )
    )


def _fresh_python(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        # Without PYTHONDONTWRITEBYTECODE: the uncounted first import leaves bytecode for the runs.
        env={**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, **_ENVIRONMENT},
        capture_output=True,
        text=True,
        check=True,
    )


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def _previous() -> dict[str, dict[str, float]]:
    try:
        data = json.loads(HISTORY.read_text())
    except (OSError, ValueError):
        return {}
    figures = data.get("figures") if isinstance(data, dict) else None
    return figures if isinstance(figures, dict) else {}


def _save(figures: dict[str, dict[str, float]]) -> None:
    HISTORY.parent.mkdir(parents=True, exist_ok=True)
    HISTORY.write_text(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "figures": figures}))


if __name__ == "__main__":
    main(sys.argv[1:])

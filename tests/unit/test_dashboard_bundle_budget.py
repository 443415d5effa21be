"""The dashboard build's bundle budget (dashboard/scripts/bundle-budget.mjs, run by `npm run build`): the
JavaScript a first page loads before it can paint, gzipped, stays within 120 KB, or the build fails
(issue #25, item 2). Run here on made-up builds whose chunks gzip to known sizes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from infra.functions import ROOT

SCRIPT = ROOT / "dashboard" / "scripts" / "bundle-budget.mjs"
KB = 1024


def _build(dist: Path, chunks: dict[str, tuple[int, dict[str, Any]]]) -> Path:
    """A Vite build: each manifest key's file is `size` random bytes (random bytes do not compress)."""
    manifest = {}
    for key, (size, entry) in chunks.items():
        file = f"assets/{key.replace('/', '_')}.js"
        (dist / "assets").mkdir(parents=True, exist_ok=True)
        (dist / file).write_bytes(os.urandom(size))
        manifest[key] = {"file": file, "src": key, **entry}
    (dist / ".vite").mkdir(parents=True, exist_ok=True)
    (dist / ".vite" / "manifest.json").write_text(json.dumps(manifest))
    return dist


def _check(dist: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["node", str(SCRIPT), str(dist)], capture_output=True, text=True, check=False)


def _app(dist: Path, *, shell: int, language: int, inbox: int, chart: int = 0) -> Path:
    return _build(
        dist,
        {
            "index.html": (
                shell // 2,
                {
                    "isEntry": True,
                    "imports": ["_react.js"],
                    "dynamicImports": ["src/pages/Home.tsx", "src/pages/Inbox.tsx", "src/i18n/es.json"],
                },
            ),
            "_react.js": (shell - shell // 2, {}),
            "src/i18n/es.json": (language, {"isDynamicEntry": True}),
            "src/pages/Home.tsx": (2 * KB, {"isDynamicEntry": True, "dynamicImports": ["src/Chart.tsx"]}),
            "src/pages/Inbox.tsx": (inbox, {"isDynamicEntry": True, "imports": ["_react.js"]}),
            "src/Chart.tsx": (chart or KB, {"isDynamicEntry": True}),
        },
    )


def test_a_build_whose_every_first_page_is_within_the_budget_passes(tmp_path: Path) -> None:
    result = _check(_app(tmp_path, shell=80 * KB, language=12 * KB, inbox=20 * KB, chart=200 * KB))

    assert result.returncode == 0, result.stderr
    assert "src/pages/Inbox.tsx" in result.stdout
    assert "later: " in result.stdout  # listed, not counted
    assert "src/Chart.tsx" in result.stdout


def test_a_page_over_the_budget_fails_the_build_and_is_named(tmp_path: Path) -> None:
    result = _check(_app(tmp_path, shell=80 * KB, language=12 * KB, inbox=35 * KB))

    assert result.returncode == 1
    assert "Over the budget" in result.stderr
    assert "src/pages/Inbox.tsx" in result.stderr


def test_the_pages_language_counts_towards_its_first_load(tmp_path: Path) -> None:
    within = _check(_app(tmp_path / "a", shell=80 * KB, language=5 * KB, inbox=30 * KB))
    over = _check(_app(tmp_path / "b", shell=80 * KB, language=15 * KB, inbox=30 * KB))

    assert within.returncode == 0, within.stderr
    assert over.returncode == 1

"""What a visitor and an operator download, printed as figures against their budgets (never asserted here:
the dashboard's budget fails its build, dashboard/scripts/bundle-budget.mjs).

    .venv/bin/python -m bench.widget_size      (`make widget-size`, part of `make bench`)

The widget as widget/build.mjs builds it (minified by esbuild): the launcher every page pays for, within
5 KB gzipped, and the chat it loads on first open; the dashboard's first page, the JavaScript loaded before
it paints (the shell, the page's language and the page's own chunk), within 120 KB gzipped, from
dashboard/dist (built by `make dashboard`). Beside each figure, the one measured before the split
(docs/widget-build.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BEFORE", "BUDGETS", "Figures", "main", "measure"]

ROOT = Path(__file__).resolve().parent.parent
WIDGET_BUILD = ROOT / "widget" / "build.mjs"
DASHBOARD_BUDGET = ROOT / "dashboard" / "scripts" / "bundle-budget.mjs"
DASHBOARD_DIST = ROOT / "dashboard" / "dist"

BUDGETS = {"launcher": 5 * 1024, "dashboard": 120 * 1024}

# Measured on the commit before the split (8bb793d), gzip -9: the widget was one 55,164-byte script served
# as written and uncompressed by the local gateway (18,400 B had it been gzipped); minified by rjsmin, as
# this bench measured it then, 13,470 B gzipped against a 12 KB budget for the whole script. The
# dashboard loaded every page in its first one: 161,030 B of JS gzipped (index 107,130 + react 53,900, as
# `vite build` printed them), 528,660 B raw, then the home page's chart, 108,820 B.
BEFORE = {"launcher": 13_470, "chat": 0, "total": 13_470, "dashboard": 161_030, "served": 55_164}


@dataclass(frozen=True, slots=True)
class Figures:
    launcher: int  # gzipped bytes
    launcher_brotli: int
    chat: int
    chat_brotli: int
    dashboard_worst: int
    dashboard_worst_page: str
    dashboard_home: int
    dashboard_later: int

    @property
    def total(self) -> int:
        return self.launcher + self.chat


def _node(*args: str) -> dict[str, object]:
    done = subprocess.run(["node", *args], check=True, capture_output=True, text=True)
    figures: dict[str, object] = json.loads(done.stdout)
    return figures


def measure() -> Figures:
    widget = _node(str(WIDGET_BUILD), "--json")
    launcher, chat = widget["launcher"], widget["chat"]
    assert isinstance(launcher, dict)
    assert isinstance(chat, dict)
    dashboard = _node(str(DASHBOARD_BUDGET), str(DASHBOARD_DIST), "--json")
    worst, pages, later = dashboard["worst"], dashboard["pages"], dashboard["later"]
    assert isinstance(worst, dict)
    assert isinstance(pages, list)
    assert isinstance(later, list)
    home = next(p["gzip"] for p in pages if p["page"].endswith("/Home.tsx"))
    return Figures(
        launcher=launcher["gzip"],
        launcher_brotli=launcher["brotli"],
        chat=chat["gzip"],
        chat_brotli=chat["brotli"],
        dashboard_worst=worst["gzip"],
        dashboard_worst_page=worst["page"],
        dashboard_home=home,
        dashboard_later=sum(chunk["gzip"] for chunk in later),
    )


def _kb(size: int) -> str:
    return f"{size / 1024:6.1f} KB"


def _verdict(size: int, budget: int) -> str:
    return f"{'within' if size <= budget else 'OVER'} {budget // 1024} KB"


def main() -> int:
    if not (DASHBOARD_DIST / ".vite" / "manifest.json").exists():
        print("dashboard/dist has no build with a manifest: run `make dashboard` first", file=sys.stderr)
        return 1
    f = measure()
    print("gzipped (brotli where said)        now        before    budget")
    print(
        f"  widget launcher (every page) {_kb(f.launcher)}  {_kb(BEFORE['launcher'])}    "
        f"{_verdict(f.launcher, BUDGETS['launcher'])}   brotli {_kb(f.launcher_brotli)}"
    )
    print(f"  widget chat (on first open)  {_kb(f.chat)}         -              brotli {_kb(f.chat_brotli)}")
    print(f"  widget, both                 {_kb(f.total)}  {_kb(BEFORE['total'])}    (before: one script)")
    print(
        f"  dashboard first page (worst) {_kb(f.dashboard_worst)}  {_kb(BEFORE['dashboard'])}    "
        f"{_verdict(f.dashboard_worst, BUDGETS['dashboard'])}   {f.dashboard_worst_page}"
    )
    print(f"  dashboard home page          {_kb(f.dashboard_home)}  {_kb(BEFORE['dashboard'])}")
    print(f"  dashboard, loaded later      {_kb(f.dashboard_later)}             (the home page's chart, ...)")
    print(f"Before, the widget went out as written and uncompressed locally: {BEFORE['served']:,} B.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

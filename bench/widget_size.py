"""What a visitor downloads for the widget, printed as figures (never asserted).

    .venv/bin/python -m bench.widget_size [path/to/chatflow360.js]

The script as written, minified (rjsmin: comments and whitespace out, nothing renamed, so what
runs is still what we read), and both gzipped as a CDN or API Gateway would send them. The budget
is 12 KB gzipped for the minified script.
"""

from __future__ import annotations

import gzip
import sys
from dataclasses import dataclass
from pathlib import Path

import rjsmin  # type: ignore[import-untyped]

__all__ = ["BUDGET_GZIPPED_BYTES", "WIDGET", "Sizes", "main", "measure"]

WIDGET = Path(__file__).resolve().parent.parent / "widget" / "chatflow360.js"
BUDGET_GZIPPED_BYTES = 12 * 1024


@dataclass(frozen=True, slots=True)
class Sizes:
    raw: int
    raw_gzipped: int
    minified: int
    minified_gzipped: int


def _gzipped(data: bytes) -> int:
    # mtime=0: the same bytes give the same size on every run.
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def measure(source: bytes) -> Sizes:
    minified: bytes = rjsmin.jsmin(source, keep_bang_comments=False)
    return Sizes(
        raw=len(source),
        raw_gzipped=_gzipped(source),
        minified=len(minified),
        minified_gzipped=_gzipped(minified),
    )


def _kb(size: int) -> str:
    return f"{size:>7,} B  {size / 1024:6.1f} KB"


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else WIDGET
    sizes = measure(path.read_bytes())
    verdict = "within" if sizes.minified_gzipped <= BUDGET_GZIPPED_BYTES else "OVER"
    budget = f"({verdict} the {BUDGET_GZIPPED_BYTES // 1024} KB budget)"
    print(f"{path.name}")
    print(f"  raw                {_kb(sizes.raw)}")
    print(f"  raw, gzipped       {_kb(sizes.raw_gzipped)}")
    print(f"  minified           {_kb(sizes.minified)}")
    print(f"  minified, gzipped  {_kb(sizes.minified_gzipped)}  {budget}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

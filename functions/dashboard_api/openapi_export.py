"""Writes the dashboard API's OpenAPI document to dashboard/openapi.json, from which the SPA's
TypeScript types are generated (`npm --prefix dashboard run gen:api`).

    .venv/bin/python functions/dashboard_api/openapi_export.py            # write the document
    .venv/bin/python functions/dashboard_api/openapi_export.py --check    # exit 1 when it is stale

The document is the one the API serves at /api/dashboard/openapi.json, with sorted keys so that
the file changes only when the API does. Not part of the Lambda's work: nothing imports it there."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["REGENERATE", "TARGET", "document", "render"]

_FUNCTION_DIR = Path(__file__).resolve().parent
_ROOT = _FUNCTION_DIR.parent.parent
_LAYER_PYTHON_DIR = _ROOT / "layers" / "common" / "python"

TARGET = _ROOT / "dashboard" / "openapi.json"
REGENERATE = ".venv/bin/python functions/dashboard_api/openapi_export.py && npm --prefix dashboard run gen:api"


def _importable() -> None:
    # As Lambda (and infra.functions.load_handler) has it: the common layer and the function's own
    # folder on sys.path, so that the app's `routers`, `schemas` and `chatflow` import.
    if str(_LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(_LAYER_PYTHON_DIR))
    if str(_FUNCTION_DIR) not in sys.path:
        sys.path.append(str(_FUNCTION_DIR))


def document() -> dict[str, Any]:
    """The app's OpenAPI document, as served."""
    _importable()
    from app import app

    return app.openapi()


def render(doc: dict[str, Any]) -> str:
    """The document as the committed file holds it: sorted keys, two-space indent, final newline."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the file is stale")
    parser.add_argument("--output", type=Path, default=TARGET, help=f"where to write (default: {TARGET})")
    args = parser.parse_args(argv)
    text = render(document())
    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if current != text:
            sys.stderr.write(f"{output} is not the API's current OpenAPI document; regenerate it: {REGENERATE}\n")
            return 1
        return 0
    output.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {output}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

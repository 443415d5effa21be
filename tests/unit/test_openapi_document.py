"""dashboard/openapi.json, from which the SPA's TypeScript types are generated, is the dashboard API's
current OpenAPI document (importing the app needs no database)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

from infra.functions import FUNCTIONS_DIR


@pytest.fixture(scope="module")
def exporter() -> ModuleType:
    # The function's folder on sys.path, as Lambda (and infra.functions.load_handler) has it.
    folder = str(FUNCTIONS_DIR / "dashboard_api")
    if folder not in sys.path:
        sys.path.append(folder)
    import openapi_export

    return openapi_export


def test_the_committed_openapi_document_is_the_apps_current_one(exporter: ModuleType) -> None:
    target: Path = exporter.TARGET
    current = exporter.render(exporter.document())

    committed = target.read_text(encoding="utf-8") if target.exists() else ""

    assert committed == current, (
        f"{target.relative_to(FUNCTIONS_DIR.parent)} is not the dashboard API's current OpenAPI document "
        f"(and src/api/schema.ts is generated from it); regenerate both: {exporter.REGENERATE}"
    )


def test_the_export_is_stable_and_its_check_catches_a_stale_file(exporter: ModuleType, tmp_path: Path) -> None:
    output = tmp_path / "openapi.json"

    assert exporter.main(["--output", str(output)]) == 0
    first = output.read_text(encoding="utf-8")
    assert exporter.main(["--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == first
    assert exporter.main(["--check", "--output", str(output)]) == 0

    output.write_text(first.replace('"messageCount"', '"messagesCount"'), encoding="utf-8")
    assert exporter.main(["--check", "--output", str(output)]) == 1

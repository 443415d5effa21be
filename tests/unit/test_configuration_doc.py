"""docs/configuration.md is written from the code (infra/configuration_doc.py), so it cannot drift."""

from __future__ import annotations

import re

from chatflow.settings import Settings
from infra.configuration_doc import COMMAND, DOC_PATH, OTHER_VARIABLES, render, settings_rows
from infra.functions import ROOT


def test_the_configuration_page_is_what_the_generator_writes() -> None:
    on_disk = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""

    assert on_disk == render(), f"docs/configuration.md is out of date with the settings: run `{COMMAND}`"


def test_every_setting_says_what_it_does() -> None:
    undescribed = [row.variable for row in settings_rows(Settings) if not row.description]

    assert not undescribed, f"give these fields of chatflow/settings.py a description=…, then run `{COMMAND}`"


def test_every_setting_is_listed_by_its_environment_variable() -> None:
    variables = [row.variable for row in settings_rows(Settings)]

    assert len(variables) == len(Settings.model_fields)
    assert "AWS_REGION" in variables  # a validation_alias, not the field's name
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", variable) for variable in variables)


def test_no_secret_default_is_printed() -> None:
    secrets = [row for row in settings_rows(Settings) if "secret" in row.type]

    assert {row.variable for row in secrets} >= {"DATABASE_URL", "ENCRYPTION_KEY", "OPENAI_API_KEY"}
    assert all(row.default == "—" for row in secrets)


def test_the_variables_read_outside_the_settings_are_still_read_where_the_page_says() -> None:
    missing = []
    for other in OTHER_VARIABLES:
        if other.read_in is None:
            continue  # read by a library only
        where = ROOT / other.read_in
        files = [where] if where.is_file() else sorted(where.rglob("*.py"))
        source = "\n".join(path.read_text(encoding="utf-8") for path in files)
        missing += [f"{name} in {other.read_in}" for name in other.names if f'"{name}"' not in source]

    assert not missing, f"no longer read there: {missing}; update OTHER_VARIABLES in infra/configuration_doc.py"

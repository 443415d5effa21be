"""docs/configuration.md, written from the code so that it cannot drift from it.

`.venv/bin/python -m infra.configuration_doc` rewrites the page; tests/unit/test_configuration_doc.py
fails while the file on disk differs from what `render()` returns.

The page has two parts:

- every field of `chatflow.settings.Settings`: its environment variable (upper case, or its
  `validation_alias`), type and bounds, default and description, grouped by the settings file's
  `# --- Group ---` comments. A secret's default is never printed.
- the few variables read outside Settings (the local stack, the tests, Powertools, boto3), listed
  in `OTHER_VARIABLES` below; the test checks that each is still read where it says.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin

import annotated_types
from pydantic import AliasChoices, BaseModel, SecretStr
from pydantic.fields import FieldInfo

from infra.functions import LAYER_PYTHON_DIR, ROOT

__all__ = [
    "COMMAND",
    "DOC_PATH",
    "OTHER_VARIABLES",
    "OtherVariable",
    "SettingRow",
    "main",
    "render",
    "settings_class",
    "settings_rows",
]

DOC_PATH = ROOT / "docs" / "configuration.md"
COMMAND = ".venv/bin/python -m infra.configuration_doc"

_GROUP_COMMENT = re.compile(r"^\s*# --- (?P<title>.+?) ---\s*$")
_UNGROUPED = "Other settings"
_UNSET = "—"


@dataclass(frozen=True, slots=True)
class OtherVariable:
    """A variable read outside Settings. `read_in` is a file or folder (from the repository's root)
    whose Python source names it, or None when only a library reads it (`read_by` says which)."""

    group: str
    names: tuple[str, ...]
    default: str
    description: str
    read_by: str
    read_in: str | None


OTHER_VARIABLES: tuple[OtherVariable, ...] = (
    OtherVariable(
        "Local stack only (`make dev`)",
        ("CLEANUP_INTERVAL_SECONDS",),
        "`3600`",
        "How often the gateway runs `functions/cleanup` (hourly in AWS).",
        "`infra/local`",
        "infra/local",
    ),
    OtherVariable(
        "Local stack only (`make dev`)",
        ("GATEWAY_HOST", "GATEWAY_PORT"),
        "`127.0.0.1`, `8000`",
        "Where the gateway listens. Anything but loopback is refused unless `GATEWAY_ALLOW_REMOTE=true`.",
        "`infra/local`",
        "infra/local",
    ),
    OtherVariable(
        "Local stack only (`make dev`)",
        ("GATEWAY_ALLOW_REMOTE",),
        "`false`",
        "Let the gateway listen beyond loopback (`GATEWAY_HOST=0.0.0.0`, say). moto's Cognito is not an identity "
        "provider: anyone who reaches the stack may sign in as anyone, and the banner says so.",
        "`infra/local`",
        "infra/local",
    ),
    OtherVariable(
        "Local stack only (`make dev`)",
        ("GATEWAY_WORKERS",),
        "`4`",
        "Worker processes running the functions (1 to 64), each one invocation at a time like a Lambda "
        "execution environment.",
        "`infra/local`",
        "infra/local",
    ),
    OtherVariable(
        "Local stack only (`make dev`)",
        ("MOTO_PORT",),
        "`8001`",
        "moto's server (Cognito, SES, SQS).",
        "`infra/local`",
        "infra/local",
    ),
    OtherVariable(
        "Local stack only (`make dev`)",
        ("CHATFLOW_LOCAL_DIR",),
        "`.local`",
        "The stack's data folder: PostgreSQL's data, the encryption key, the admin password, `stack.json`.",
        "`infra/local`",
        "infra/local",
    ),
    OtherVariable(
        "Local stack only (`make dev`)",
        ("ADMIN_EMAIL", "ADMIN_PASSWORD"),
        "`admin@chatflow360.local`, generated once into `.local/admin-password`",
        "The seeded super admin.",
        "`infra/local`",
        "infra/local",
    ),
    OtherVariable(
        "Tests only",
        ("TEST_DATABASE_URL",),
        _UNSET,
        "Run the suite against this PostgreSQL (with pgvector) instead of a throw-away embedded one.",
        "`tests`",
        "tests",
    ),
    OtherVariable(
        "Logging, tracing and metrics (Powertools for AWS Lambda)",
        ("POWERTOOLS_SERVICE_NAME",),
        "Powertools'",
        "The `service` of every log line and metric (`chatflow-<function>` in AWS, `chatflow-local` on the "
        "local stack).",
        "Powertools",
        None,
    ),
    OtherVariable(
        "Logging, tracing and metrics (Powertools for AWS Lambda)",
        ("POWERTOOLS_LOG_LEVEL", "LOG_LEVEL"),
        "Powertools'",
        "The log level (AWS and the local stack set `LOG_LEVEL=INFO`).",
        "Powertools",
        None,
    ),
    OtherVariable(
        "Logging, tracing and metrics (Powertools for AWS Lambda)",
        ("POWERTOOLS_TRACE_DISABLED",),
        "`false`",
        "Turns X-Ray tracing off (the local stack and the tests do).",
        "`chatflow.observability`, Powertools",
        "layers/common/python/chatflow/observability.py",
    ),
    OtherVariable(
        "Logging, tracing and metrics (Powertools for AWS Lambda)",
        ("POWERTOOLS_METRICS_DISABLED",),
        "`false`",
        "Turns CloudWatch metrics off (the local stack and the tests do).",
        "Powertools",
        None,
    ),
    OtherVariable(
        "Logging, tracing and metrics (Powertools for AWS Lambda)",
        ("POWERTOOLS_METRICS_NAMESPACE",),
        "`ChatFlow360`",
        "The CloudWatch namespace of the metrics.",
        "`chatflow.observability`",
        "layers/common/python/chatflow/observability.py",
    ),
    OtherVariable(
        "AWS SDK",
        ("AWS_ENDPOINT_URL",),
        _UNSET,
        "boto3's own: the local stack points it at moto, so that Cognito, SES and SQS calls take the same code "
        "path as in AWS (the WebSocket posts use WEBSOCKET_MANAGEMENT_URL instead).",
        "boto3 (set by `infra/local`)",
        "infra/local",
    ),
)


def settings_class() -> type[BaseModel]:
    """chatflow.settings.Settings, found where Lambda finds the layer: on the path, not installed."""
    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    from chatflow.settings import Settings

    return Settings


@dataclass(frozen=True, slots=True)
class SettingRow:
    """One environment variable of Settings, as the page shows it."""

    group: str
    variable: str
    type: str
    default: str
    description: str


def settings_rows(settings: type[BaseModel]) -> list[SettingRow]:
    """One row per field, in the order of the class, with its group from the source's comments."""
    groups = _groups_by_field(settings)
    prefix = str(settings.model_config.get("env_prefix") or "")
    return [
        SettingRow(
            group=groups.get(name, _UNGROUPED),
            variable=_variable(name, field, prefix),
            type=_type(field),
            default=_default(field),
            description=(field.description or "").strip(),
        )
        for name, field in settings.model_fields.items()
    ]


_Grouped = TypeVar("_Grouped", SettingRow, OtherVariable)


def render() -> str:
    """The whole page, as docs/configuration.md must read."""
    rows = settings_rows(settings_class())
    lines = [
        "# Configuration",
        "",
        f"<!-- Generated by `{COMMAND}` from layers/common/python/chatflow/settings.py and",
        "     infra/configuration_doc.py: edit those and run the command, never this file. -->",
        "",
        "Every function reads its settings from the environment once per cold start, into one",
        "`chatflow.settings.Settings` object (names are case-insensitive, booleans are",
        "`true`/`false`); a value out of its bounds is refused when the settings are read, never half-used.",
        "In AWS the CDK sets each function's environment (`infra/constructs/service_function.py`); on this",
        "machine the local stack (`infra/local/stack.py`) sets what it must (the database, moto's endpoints,",
        "the URLs it serves, `ALLOW_OFFLINE_AI`, …) and passes on any other variable exported before",
        "`make dev`. Secrets are given by value only on a laptop; in AWS only their ARNs are, and",
        "`chatflow.secrets` reads them once per cold start. `—` means unset.",
        "",
        "## Settings of every function",
        "",
    ]
    for group, members in _grouped(rows):
        lines += [f"### {group}", "", "| variable | type | default | what it does |", "| --- | --- | --- | --- |"]
        lines += [f"| `{row.variable}` | {row.type} | {row.default} | {_cell(row.description)} |" for row in members]
        lines.append("")
    lines += [
        "## Variables read outside the settings",
        "",
        "Read by the local stack, the tests or a library rather than by `Settings`.",
        "",
    ]
    for group, others in _grouped(OTHER_VARIABLES):
        lines += [f"### {group}", "", "| variable | default | what it does | read by |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {', '.join(f'`{name}`' for name in other.names)} | {other.default} | {_cell(other.description)} "
            f"| {other.read_by} |"
            for other in others
        ]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> int:
    DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOC_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC_PATH.relative_to(ROOT)}")  # noqa: T201
    return 0


# --- the parts of a row ----------------------------------------------------------------------------


def _groups_by_field(settings: type[BaseModel]) -> dict[str, str]:
    """Field name → the title of the last `# --- Title ---` comment above it in the class's source."""
    source = Path(inspect.getfile(settings)).read_text(encoding="utf-8")
    lines = source.splitlines()
    groups: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.ClassDef) and node.name == settings.__name__):
            continue
        title = _UNGROUPED
        line_no = node.lineno
        for statement in node.body:
            for line in lines[line_no : statement.lineno - 1]:
                if match := _GROUP_COMMENT.match(line):
                    title = match["title"]
            line_no = statement.end_lineno or statement.lineno
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                groups[statement.target.id] = title
    return groups


def _variable(name: str, field: FieldInfo, prefix: str) -> str:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        alias = next((choice for choice in alias.choices if isinstance(choice, str)), None)
    if isinstance(alias, str):
        return alias.upper()
    return f"{prefix}{field.alias or name}".upper()


def _type(field: FieldInfo) -> str:
    kinds = [arg for arg in _flatten(field.annotation) if arg is not type(None)]
    names = {str: "string", int: "integer", float: "number", bool: "boolean", SecretStr: "string, secret"}
    text = " or ".join(names.get(kind, getattr(kind, "__name__", str(kind))) for kind in kinds)
    bounds = _bounds(field.metadata)
    return f"{text}, {bounds}" if bounds else text


def _flatten(annotation: Any) -> Iterator[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        for arg in get_args(annotation):
            yield from _flatten(arg)
    else:
        yield annotation


def _bounds(metadata: list[Any]) -> str:
    lower = upper = None
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            lower = f"≥ {item.ge}"
        elif isinstance(item, annotated_types.Gt):
            lower = f"> {item.gt}"
        elif isinstance(item, annotated_types.Le):
            upper = f"≤ {item.le}"
        elif isinstance(item, annotated_types.Lt):
            upper = f"< {item.lt}"
    if lower and upper and lower.startswith("≥") and upper.startswith("≤"):
        return f"{lower[2:]} to {upper[2:]}"
    return ", ".join(bound for bound in (lower, upper) if bound)


def _default(field: FieldInfo) -> str:
    if any(kind is SecretStr for kind in _flatten(field.annotation)):
        return _UNSET if field.default is None else "(secret, not shown)"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return _UNSET
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _grouped(items: Iterable[_Grouped]) -> list[tuple[str, list[_Grouped]]]:
    """Items by group, groups in the order they first appear."""
    groups: dict[str, list[_Grouped]] = {}
    for item in items:
        groups.setdefault(item.group, []).append(item)
    return list(groups.items())


if __name__ == "__main__":
    sys.exit(main())

"""WhatsApp's message templates: what an agent may send once the customer's 24 hours are over.

A sync reads the business account's templates from the Graph API
(`GET /{businessAccountId}/message_templates`, every page) and replaces the channel's stored set, so
that the reply box lists them at once, without asking Meta each time. Each keeps its header, body
and footer text and its variables (`{{1}}` or `{{first_name}}`, with Meta's example values); one
that needs what an agent cannot give here (a media header, a button's parameter) is kept but not
offered. An agent sends an APPROVED one with its variables filled in (chatflow.inbox sends it as
an agent's message; send_to_meta sends `type: "template"`).

Template text is the business's own, written in Meta's console; it is third-party text to us all
the same, shown as text, never as markup.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from chatflow.access import Caller
from chatflow.crypto import EncryptionKeyError, decrypt
from chatflow.db import Connection
from chatflow.errors import (
    ChannelNotFound,
    ConversationNotFound,
    EncryptionUnavailable,
    GraphApiFailed,
    InvalidInput,
    TemplateNotFound,
)
from chatflow.meta import graph
from chatflow.meta import repository as repo
from chatflow.secrets import encryption_key
from chatflow.settings import Settings, get_settings

__all__ = [
    "MAX_PAGES",
    "FilledTemplate",
    "Template",
    "TemplateVariable",
    "fill",
    "list_templates",
    "read_template",
    "record",
    "sync_templates",
]

_logger = logging.getLogger(__name__)

# A business account has at most a few hundred templates; 100 a page.
MAX_PAGES = 20
_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]{1,64})\s*\}\}")
# Buttons whose parameters an agent would have to give (a coupon code, a one-time password, a flow).
_BUTTONS_WITH_PARAMETERS = frozenset({"COPY_CODE", "OTP", "FLOW", "CATALOG", "MPM"})
# Meta's limits on a parameter's text: a header's, a body's.
_LIMITS = {"header": 60, "body": 1024}


@dataclass(frozen=True, slots=True)
class TemplateVariable:
    component: str  # header or body
    key: str  # "1", "2", … or a name
    example: str | None = None


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    language: str  # Meta's code: en_US, es, es_MX, …
    status: str  # APPROVED, PENDING, REJECTED, PAUSED, …
    category: str | None
    header: str | None
    body: str
    footer: str | None
    variables: tuple[TemplateVariable, ...] = field(default_factory=tuple)
    sendable: bool = True

    @property
    def named(self) -> bool:
        return any(not v.key.isdigit() for v in self.variables)

    @property
    def offered(self) -> bool:
        return self.status == "APPROVED" and self.sendable


def _text(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _examples(component: dict[str, Any], kind: str) -> dict[str, str]:
    """Meta's example values of a component's variables, by key."""
    example = component.get("example") if isinstance(component.get("example"), dict) else {}
    assert isinstance(example, dict)
    found: dict[str, str] = {}
    positional = example.get(f"{kind}_text")
    if isinstance(positional, list) and positional:
        values = positional[0] if isinstance(positional[0], list) else positional
        found.update({str(i + 1): str(v)[:200] for i, v in enumerate(values) if isinstance(v, str | int | float)})
    named = example.get(f"{kind}_text_named_params")
    if isinstance(named, list):
        for item in named:
            if isinstance(item, dict) and isinstance(item.get("param_name"), str):
                found[item["param_name"]] = str(item.get("example", ""))[:200]
    return found


def read_template(item: Any) -> Template | None:
    """One entry of message_templates' `data`; None when it has no name, language or body."""
    if not isinstance(item, dict):
        return None
    name, language = _text(item.get("name"), 512), _text(item.get("language"), 15)
    if name is None or language is None or not re.fullmatch(r"[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8})?", language):
        return None
    header = body = footer = None
    variables: list[TemplateVariable] = []
    sendable = True
    for component in item.get("components") or []:
        if not isinstance(component, dict):
            continue
        kind = str(component.get("type", "")).upper()
        if kind == "HEADER":
            if str(component.get("format", "TEXT")).upper() != "TEXT":
                sendable = False  # an image, video, document or location: not ours to give here
                continue
            header = _text(component.get("text"), 1000)
            examples = _examples(component, "header")
            variables += [TemplateVariable("header", k, examples.get(k)) for k in _keys(header)]
        elif kind == "BODY":
            body = _text(component.get("text"), 2000)
            examples = _examples(component, "body")
            variables += [TemplateVariable("body", k, examples.get(k)) for k in _keys(body)]
        elif kind == "FOOTER":
            footer = _text(component.get("text"), 1000)
        elif kind == "BUTTONS":
            for button in component.get("buttons") or []:
                button_type = str(button.get("type", "")).upper() if isinstance(button, dict) else ""
                url = button.get("url") if isinstance(button, dict) else None
                if button_type in _BUTTONS_WITH_PARAMETERS or (isinstance(url, str) and _VARIABLE.search(url)):
                    sendable = False
    if body is None:
        return None
    return Template(
        name=name,
        language=language,
        status=_text(item.get("status"), 40) or "UNKNOWN",
        category=_text(item.get("category"), 40),
        header=header,
        body=body,
        footer=footer,
        variables=tuple(variables),
        sendable=sendable,
    )


def _keys(text: str | None) -> list[str]:
    return list(dict.fromkeys(_VARIABLE.findall(text or "")))


def sync_templates(
    conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID, *, settings: Settings | None = None
) -> tuple[list[Template], datetime | None]:
    """Members (agents need them): the channel's templates read again from the Graph API and stored
    in place of the old ones. ChannelNotFound for a channel not of the caller's organisations;
    InvalidInput for one not connected to WhatsApp; GraphApiFailed when Meta does not give them
    (what was stored stays)."""
    caller.require_member(organization_id)
    caller.require_writable(organization_id)
    settings = settings or get_settings()
    stored = repo.find_secrets(conn, organization_id, channel_id)
    if stored is None or stored.connection.kind != "whatsapp" or not stored.connection.business_account_id:
        if not repo.channel_exists(conn, organization_id, channel_id):
            raise ChannelNotFound()
        raise InvalidInput("templates: only a channel connected to WhatsApp has message templates.")
    key = encryption_key(settings)
    if key is None:
        raise EncryptionUnavailable()
    try:
        token = decrypt(stored.encrypted_access_token, key)
    except EncryptionKeyError as exc:
        raise GraphApiFailed(variant="unauthorized") from exc
    found: dict[tuple[str, str], Template] = {}
    after: str | None = None
    for _ in range(MAX_PAGES):
        answer = graph.list_templates(settings, stored.connection.business_account_id, access_token=token, after=after)
        if answer.status != 200:
            _logger.warning(
                "message templates not synced", extra={"graph_status": answer.status, "error_code": answer.error_code}
            )
            if answer.status == 0:
                raise GraphApiFailed(variant="unreachable")
            if answer.status in (401, 403) or answer.error_code == 190:
                raise GraphApiFailed(variant="unauthorized")
            raise GraphApiFailed()
        for item in answer.body.get("data") or []:
            template = read_template(item)
            if template is not None:
                found[(template.name, template.language)] = template
        paging = answer.body.get("paging") if isinstance(answer.body.get("paging"), dict) else {}
        cursors = paging.get("cursors") if isinstance(paging, dict) and isinstance(paging.get("cursors"), dict) else {}
        after = cursors.get("after") if isinstance(cursors, dict) else None
        if not (isinstance(paging, dict) and paging.get("next") and isinstance(after, str)):
            break
    with conn.transaction():
        conn.execute("DELETE FROM meta_templates WHERE channel_id = %s", (channel_id,))
        for t in found.values():
            conn.execute(
                """INSERT INTO meta_templates (channel_id, organization_id, name, language, status, category, header,
                       body, footer, variables, sendable)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                (
                    channel_id,
                    organization_id,
                    t.name,
                    t.language,
                    t.status,
                    t.category,
                    t.header,
                    t.body,
                    t.footer,
                    Jsonb([{"component": v.component, "key": v.key, "example": v.example} for v in t.variables]),
                    t.sendable,
                ),
            )
        row = conn.execute(
            "UPDATE channel_meta_connections SET templates_synced_at = now() WHERE channel_id = %s "
            "RETURNING templates_synced_at",
            (channel_id,),
        ).fetchone()
    _logger.info("message templates synced", extra={"channel_id": str(channel_id), "templates": len(found)})
    return _stored(conn, channel_id), row["templates_synced_at"] if row else None


def list_templates(
    conn: Connection, caller: Caller, organization_id: UUID, channel_id: UUID
) -> tuple[list[Template], datetime | None]:
    """Members: the channel's stored templates, by name and language, and when they were synced."""
    caller.require_member(organization_id)
    row = conn.execute(
        """SELECT ch.id, k.templates_synced_at FROM channels ch
           LEFT JOIN channel_meta_connections k ON k.channel_id = ch.id
           WHERE ch.organization_id = %s AND ch.id = %s""",
        (organization_id, channel_id),
    ).fetchone()
    if row is None:
        raise ChannelNotFound()
    return _stored(conn, channel_id), row["templates_synced_at"]


def _stored(conn: Connection, channel_id: UUID) -> list[Template]:
    rows = conn.execute(
        "SELECT * FROM meta_templates WHERE channel_id = %s ORDER BY name, language", (channel_id,)
    ).fetchall()
    return [_template(r) for r in rows]


def _template(row: Mapping[str, Any]) -> Template:
    return Template(
        name=row["name"],
        language=row["language"],
        status=row["status"],
        category=row["category"],
        header=row["header"],
        body=row["body"],
        footer=row["footer"],
        variables=tuple(TemplateVariable(v["component"], v["key"], v.get("example")) for v in row["variables"]),
        sendable=row["sendable"],
    )


@dataclass(frozen=True, slots=True)
class FilledTemplate:
    """A template ready to go: the text the conversation keeps, and what the Graph API is sent."""

    name: str
    language: str
    content: str
    components: list[dict[str, Any]]


def fill(
    conn: Connection, conversation_id: UUID, *, name: str, language: str, variables: Mapping[str, str]
) -> FilledTemplate:
    """The conversation's channel's approved template with these values. ConversationNotFound when the
    caller cannot see the conversation (conn is theirs: row-level security); InvalidInput for a
    conversation not on WhatsApp or a variable missing or unusable; TemplateNotFound otherwise."""
    row = conn.execute(
        """SELECT c.channel_id, k.kind FROM conversations c
           LEFT JOIN channel_meta_connections k ON k.channel_id = c.channel_id
                                               AND k.kind = c.visitor_metadata ->> 'channel'
           WHERE c.id = %s""",
        (conversation_id,),
    ).fetchone()
    if row is None:
        raise ConversationNotFound()
    if row["kind"] != "whatsapp":
        raise InvalidInput("templates: only a WhatsApp conversation takes a message template.")
    found = conn.execute(
        "SELECT * FROM meta_templates WHERE channel_id = %s AND name = %s AND language = %s",
        (row["channel_id"], name, language),
    ).fetchone()
    template = _template(found) if found else None
    if template is None or not template.offered:
        raise TemplateNotFound()
    unknown = sorted(set(variables) - {v.key for v in template.variables})
    if unknown:
        raise InvalidInput(
            f"variables.{unknown[0]}: not a variable of this template.", variant="field", field="variables"
        )
    values: dict[tuple[str, str], str] = {}
    for variable in template.variables:
        value = " ".join((variables.get(variable.key) or "").split())  # Meta refuses newlines and tabs
        if not value or len(value) > _LIMITS[variable.component]:
            raise InvalidInput(
                f"variables.{variable.key}: 1 to {_LIMITS[variable.component]} characters.",
                variant="field",
                field=f"variables.{variable.key}",
            )
        values[(variable.component, variable.key)] = value
    components = []
    for component in ("header", "body"):
        parameters = [
            _parameter(v.key, values[(component, v.key)], named=template.named)
            for v in template.variables
            if v.component == component
        ]
        if parameters:
            components.append({"type": component, "parameters": parameters})

    def rendered(text: str | None, component: str) -> str | None:
        if text is None:
            return None
        return _VARIABLE.sub(lambda m: values.get((component, m.group(1)), m.group(0)), text)

    parts = [rendered(template.header, "header"), rendered(template.body, "body"), template.footer]
    content = "\n\n".join(p for p in parts if p)
    return FilledTemplate(name=template.name, language=template.language, content=content, components=components)


def _parameter(key: str, value: str, *, named: bool) -> dict[str, str]:
    """A text parameter; a named template's names its variable (Meta's parameter_format NAMED)."""
    return {"type": "text", "parameter_name": key, "text": value} if named else {"type": "text", "text": value}


def record(conn: Connection, *, message_id: UUID, organization_id: UUID, filled: FilledTemplate) -> None:
    """The agent's message just written goes out as this template (send_to_meta reads it)."""
    conn.execute(
        """INSERT INTO meta_template_messages (message_id, organization_id, name, language, components)
           VALUES (%s, %s, %s, %s, %s)""",
        (message_id, organization_id, filled.name, filled.language, Jsonb(filled.components)),
    )

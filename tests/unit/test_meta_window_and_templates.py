"""The rules of Meta's window and the reading of WhatsApp's templates, without a database (#20, item 5)."""

from __future__ import annotations

from typing import Any

import pytest

from chatflow.meta.payloads import Media, read_payload
from chatflow.meta.templates import read_template
from chatflow.meta.window import sendable


@pytest.mark.parametrize(
    ("kind", "role", "template", "within_24h", "within_7d", "expected"),
    [
        ("whatsapp", "agent", False, True, True, "response"),
        ("whatsapp", "agent", False, False, True, "closed"),  # past 24 hours only a template
        ("whatsapp", "agent", True, False, False, "response"),  # a template at any time
        ("messenger", "agent", False, False, True, "human_agent"),  # a person's reply, tagged
        ("messenger", "ai", False, False, True, "closed"),  # never an AI's answer (Chatwoot #15887)
        ("messenger", "system", False, False, True, "closed"),  # nor a notice nobody wrote
        ("messenger", "agent", False, False, False, "closed"),  # past 7 days
        ("messenger", "ai", False, True, True, "response"),
    ],
)
def test_what_may_go_out_and_how(
    kind: str, role: str, template: bool, within_24h: bool, within_7d: bool, expected: str
) -> None:
    assert sendable(kind, role=role, template=template, within_24h=within_24h, within_7d=within_7d) == expected


def test_a_template_is_read_with_its_variables_in_order_once_each() -> None:
    template = read_template(
        {
            "name": "visit",
            "language": "es_MX",
            "status": "APPROVED",
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Cita de {{1}}"},
                {"type": "BODY", "text": "{{1}}, te esperamos el {{2}} a las {{3}}. ¡Hasta el {{2}}!"},
                {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "OK"}]},
            ],
        }
    )

    assert template is not None
    assert [(v.component, v.key) for v in template.variables] == [
        ("header", "1"),
        ("body", "1"),
        ("body", "2"),
        ("body", "3"),
    ]
    assert template.offered


@pytest.mark.parametrize(
    "components",
    [
        [{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "Hi"}],
        [
            {"type": "BODY", "text": "Hi"},
            {"type": "BUTTONS", "buttons": [{"type": "URL", "url": "https://x.test/{{1}}"}]},
        ],
        [{"type": "BODY", "text": "Your code"}, {"type": "BUTTONS", "buttons": [{"type": "OTP"}]}],
    ],
)
def test_a_template_needing_what_an_agent_cannot_give_is_kept_but_not_offered(components: list[Any]) -> None:
    template = read_template({"name": "x", "language": "en", "status": "APPROVED", "components": components})

    assert template is not None
    assert not template.offered


@pytest.mark.parametrize(
    "item",
    [
        {"name": "x", "language": "en"},  # no body
        {"name": "x", "language": "en; DROP", "components": [{"type": "BODY", "text": "Hi"}]},
        {"language": "en", "components": [{"type": "BODY", "text": "Hi"}]},
        "not an object",
    ],
)
def test_what_is_not_a_template_is_skipped(item: Any) -> None:
    assert read_template(item) is None


def test_whatsapp_media_is_named_by_its_id_for_the_download() -> None:
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "metadata": {"phone_number_id": "1065"},
                            "messages": [
                                {
                                    "from": "1305",
                                    "id": "wamid.1",
                                    "type": "document",
                                    "document": {"id": "77", "mime_type": "application/pdf", "filename": "a.pdf"},
                                }
                            ],
                        },
                    }
                ]
            }
        ],
    }

    [message] = read_payload("whatsapp", payload)

    assert message.text == "[document] a.pdf"  # type: ignore[union-attr]
    assert message.media == Media("document", "77", "application/pdf", "a.pdf")  # type: ignore[union-attr]

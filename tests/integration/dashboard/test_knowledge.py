"""The knowledge routes: org admins and super admins write, agents read, other organisations get 404;
every write is queued on (moto's) SQS and the ingest function makes the entry ready or failed; the
inbox shows which knowledge an AI answer came from."""

from __future__ import annotations

import base64
import io
import json
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow.channels import create_channel
from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from infra.functions import load_handler
from tests.support.callers import super_admin
from tests.support.events import LambdaContextStub
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _queued() -> list[dict[str, Any]]:
    """Every message waiting on the ingestion queue, as Lambda's event source mapping would deliver it."""
    import boto3

    sqs: Any = boto3.client("sqs")
    url = get_settings().ingest_queue_url
    records: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        if not got:
            return records
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            records.append(
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": {},
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:chatflow-ingest",
                    "awsRegion": "us-east-1",
                }
            )


def _ingest_queued() -> list[str]:
    records = _queued()
    if records:
        assert load_handler("ingest")({"Records": records}, LambdaContextStub()) == {"batchItemFailures": []}
    return [json.loads(r["body"])["knowledgeId"] for r in records]


@pytest.fixture
def shop(people: People, db: Db) -> tuple[UUID, UUID, Person]:
    _queued()  # what earlier tests left
    organization_id = create_organization(db, name="Café Cubano", plan="pro")
    channel = create_channel(db, super_admin(), organization_id, name="Website")
    return organization_id, channel.id, people.make(admin_of=[organization_id])


def test_an_admin_adds_text_knowledge_that_becomes_ready_after_ingestion(
    people: People, db: Db, shop: tuple[UUID, UUID, Person]
) -> None:
    org, channel, admin = shop

    answer = people.post(
        admin,
        f"/organizations/{org}/knowledge",
        {"title": "Hours", "content": "Open every day from 7 am to 9 pm.", "channelId": str(channel)},
    )

    assert answer.status_code == 201
    body = answer.json()
    assert (body["status"], body["chunkCount"], body["error"], body["source"], body["channelId"]) == (
        "pending",
        0,
        None,
        "text",
        str(channel),
    )
    assert _ingest_queued() == [body["id"]]
    ready = people.get(admin, f"/organizations/{org}/knowledge/{body['id']}").json()
    assert (ready["status"], ready["chunkCount"]) == ("ready", 1)


def test_files_are_uploaded_as_base64_text_markdown_or_pdf(
    people: People, db: Db, shop: tuple[UUID, UUID, Person]
) -> None:
    org, _, admin = shop
    markdown = base64.b64encode(b"# Menu\n\n* Cafecito: $2\n* Croqueta: $1.50").decode()

    md = people.post(admin, f"/organizations/{org}/knowledge", {"fileBase64": markdown, "fileName": "menu.md"})
    pdf = people.post(
        admin,
        f"/organizations/{org}/knowledge",
        {"fileBase64": _pdf("Valet parking costs 10 dollars."), "fileName": "parking.pdf"},
    )
    exe = people.post(admin, f"/organizations/{org}/knowledge", {"fileBase64": markdown, "fileName": "menu.exe"})
    junk = people.post(admin, f"/organizations/{org}/knowledge", {"fileBase64": "bm90IGEgcGRm", "fileName": "x.pdf"})

    assert (md.status_code, md.json()["title"], md.json()["fileName"]) == (201, "menu.md", "menu.md")
    assert "Cafecito: $2" in md.json()["content"]
    # A PDF is read by the ingest worker, not in the request: pending with no text yet.
    assert (pdf.status_code, pdf.json()["status"], pdf.json()["content"]) == (201, "pending", "")
    assert (exe.status_code, exe.json()["error"]["code"]) == (400, "invalid_file")
    assert (junk.status_code, junk.json()["error"]["code"]) == (400, "invalid_file")
    _ingest_queued()
    items = people.get(admin, f"/organizations/{org}/knowledge").json()
    assert {i["status"] for i in items} == {"ready"}
    assert len(items) == 2
    read = people.get(admin, f"/organizations/{org}/knowledge/{pdf.json()['id']}").json()
    assert "Valet parking costs 10 dollars." in read["content"]
    left = db.execute("SELECT count(*) AS n FROM channel_knowledge WHERE source_file IS NOT NULL").fetchone()
    assert left == {"n": 0}  # the uploaded file is kept only until it is read


def test_a_pdf_bomb_is_accepted_and_then_failed_by_the_worker_with_its_reason(
    people: People, db: Db, shop: tuple[UUID, UUID, Person]
) -> None:
    from tests.unit.test_pdf_bomb import _pdf as bomb_of

    org, _, admin = shop
    bomb = base64.b64encode(bomb_of(1, 7_000_000)).decode()

    created = people.post(admin, f"/organizations/{org}/knowledge", {"fileBase64": bomb, "fileName": "menu.pdf"})
    _ingest_queued()

    failed = people.get(admin, f"/organizations/{org}/knowledge/{created.json()['id']}").json()
    reason = db.execute("SELECT error_reason FROM channel_knowledge").fetchone()
    # Nothing of the file is parsed in the request: it is stored pending, its text still unread.
    assert (created.status_code, created.json()["status"], created.json()["content"]) == (201, "pending", "")
    assert failed["status"] == "failed"
    assert reason == {"error_reason": "pdf_too_large"}
    assert db.execute("SELECT count(*) AS n FROM knowledge_chunks").fetchone() == {"n": 0}
    assert db.execute("SELECT count(*) AS n FROM channel_knowledge WHERE source_file IS NOT NULL").fetchone() == {
        "n": 0
    }


def test_a_refused_upload_says_precisely_why_in_the_operators_language(
    people: People, shop: tuple[UUID, UUID, Person]
) -> None:
    org, _, admin = shop
    markdown = base64.b64encode(b"# Menu").decode()

    def refusal(body: dict[str, str], language: str) -> tuple[int, dict[str, str]]:
        answer = people.client.post(
            f"/api/dashboard/organizations/{org}/knowledge",
            json=body,
            headers={**admin.headers, "Accept-Language": language},
        )
        return answer.status_code, answer.json()["error"]

    exe = {"fileBase64": markdown, "fileName": "menu.exe"}
    loopback = {"url": "http://127.0.0.1/menu"}

    assert refusal(exe, "es") == (
        400,
        {"code": "invalid_file", "message": "Solo se aceptan archivos .txt, .md y .pdf."},
    )
    assert refusal(exe, "en") == (
        400,
        {"code": "invalid_file", "message": "Only .txt, .md and .pdf files are accepted."},
    )
    assert refusal(loopback, "es") == (
        400,
        {
            "code": "invalid_url",
            "message": "No se pudo descargar la página. Debe ser una dirección http(s) pública (puerto 80 o 443) "
            "que responda con una página web o un PDF.",
        },
    )


def test_a_text_file_holding_more_than_a_typed_entry_may_is_refused_with_the_reason(
    people: People, db: Db, shop: tuple[UUID, UUID, Person]
) -> None:
    """200,000 characters, as typed text: 1 MB of a text file is well under 5 MB but over that."""
    org, _, admin = shop
    big = base64.b64encode(b"cafe con leche " * 70_000).decode()
    just = base64.b64encode(b"x" * 200_000).decode()

    refused = people.client.post(
        f"/api/dashboard/organizations/{org}/knowledge",
        json={"fileBase64": big, "fileName": "menu.txt"},
        headers={**admin.headers, "Accept-Language": "es"},
    )
    accepted = people.post(admin, f"/organizations/{org}/knowledge", {"fileBase64": just, "fileName": "menu.md"})

    assert (refused.status_code, refused.json()["error"]) == (
        400,
        {
            "code": "invalid_file",
            "message": "El texto tiene más de 200.000 caracteres; divídelo en entradas más pequeñas.",
        },
    )
    assert accepted.status_code == 201
    assert db.execute("SELECT count(*) AS n FROM channel_knowledge").fetchone() == {"n": 1}


def test_a_file_over_5_mb_is_refused(
    people: People, db: Db, shop: tuple[UUID, UUID, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    org, _, admin = shop
    monkeypatch.setenv("KNOWLEDGE_MAX_FILE_BYTES", "1000")
    get_settings.cache_clear()
    data = base64.b64encode(b"a" * 1001).decode()

    answer = people.post(admin, f"/organizations/{org}/knowledge", {"fileBase64": data, "fileName": "big.txt"})

    assert (answer.status_code, answer.json()["error"]["code"]) == (413, "file_too_large")


def _pdf(text: str) -> str:
    """A one-page PDF with the text, written by hand (pypdf reads, it does not typeset)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return base64.b64encode(out.getvalue()).decode()


def test_editing_re_embeds_and_deleting_removes_chunks(people: People, db: Db, shop: tuple[UUID, UUID, Person]) -> None:
    org, _, admin = shop
    entry = people.post(admin, f"/organizations/{org}/knowledge", {"title": "Hours", "content": "Open at 7."}).json()
    _ingest_queued()

    edited = people.patch(admin, f"/organizations/{org}/knowledge/{entry['id']}", {"content": "Open at 8."})

    assert edited.status_code == 200
    assert edited.json()["status"] == "pending"
    assert _ingest_queued() == [entry["id"]]
    assert db.execute("SELECT content FROM knowledge_chunks").fetchall() == [{"content": "Hours\n\nOpen at 8."}]
    assert people.delete(admin, f"/organizations/{org}/knowledge/{entry['id']}").status_code == 204
    assert db.execute("SELECT count(*) AS n FROM knowledge_chunks").fetchone() == {"n": 0}
    assert people.get(admin, f"/organizations/{org}/knowledge/{entry['id']}").status_code == 404


def test_a_failed_entry_shows_its_reason(people: People, db: Db, shop: tuple[UUID, UUID, Person]) -> None:
    org, _, admin = shop
    entry = people.post(admin, f"/organizations/{org}/knowledge", {"title": "Hours", "content": "Open at 7."}).json()
    db.execute("UPDATE channel_knowledge SET content = ' ', title = ' ' WHERE id = %s", (entry["id"],))
    _ingest_queued()

    failed = people.get(admin, f"/organizations/{org}/knowledge/{entry['id']}").json()

    assert (failed["status"], failed["error"], failed["chunkCount"]) == ("failed", "The entry has no text.", 0)


def test_a_spanish_operator_reads_why_an_entry_failed_in_spanish(
    people: People, db: Db, shop: tuple[UUID, UUID, Person]
) -> None:
    org, _, admin = shop
    entry = people.post(admin, f"/organizations/{org}/knowledge", {"title": "Hours", "content": "Open at 7."}).json()
    db.execute("UPDATE channel_knowledge SET content = ' ', title = ' ' WHERE id = %s", (entry["id"],))
    _ingest_queued()
    path = f"/api/dashboard/organizations/{org}/knowledge"
    spanish = {**admin.headers, "accept-language": "es-MX,es;q=0.9"}

    one = people.client.get(f"{path}/{entry['id']}", headers=spanish).json()
    listed = people.client.get(path, headers=spanish).json()

    assert one["error"] == "La entrada no tiene texto."
    assert [e["error"] for e in listed if e["id"] == entry["id"]] == ["La entrada no tiene texto."]


def test_a_loopback_url_is_refused_outside_the_local_stack(people: People, shop: tuple[UUID, UUID, Person]) -> None:
    org, _, admin = shop

    answer = people.post(admin, f"/organizations/{org}/knowledge", {"url": "http://127.0.0.1:9/admin"})

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_url")


def test_roles_on_every_knowledge_route(people: People, db: Db, shop: tuple[UUID, UUID, Person]) -> None:
    org, channel, admin = shop
    agent = people.make(agent_of=[org])
    outsider_org = create_organization(db, name="Other")
    outsider = people.make(admin_of=[outsider_org])
    root = people.make(super_admin=True)
    entry = people.post(admin, f"/organizations/{org}/knowledge", {"title": "Hours", "content": "Open at 7."}).json()
    path = f"/organizations/{org}/knowledge"
    item = f"{path}/{entry['id']}"

    assert people.get(agent, path).status_code == 200
    assert people.get(agent, item).status_code == 200
    assert people.post(agent, path, {"title": "x", "content": "y"}).status_code == 403
    assert people.patch(agent, item, {"title": "x"}).status_code == 403
    assert people.delete(agent, item).status_code == 403
    for call in (
        people.get(outsider, path),
        people.get(outsider, item),
        people.post(outsider, path, {"title": "x", "content": "y"}),
        people.patch(outsider, item, {"title": "x"}),
        people.delete(outsider, item),
        people.get(outsider, f"/organizations/{outsider_org}/knowledge/{entry['id']}"),
    ):
        assert call.status_code == 404
    assert people.get(None, path).status_code == 401
    assert people.patch(root, item, {"title": "Opening hours"}).json()["title"] == "Opening hours"
    assert people.post(root, path, {"title": "Parking", "content": "Free."}).status_code == 201
    other_channel = create_channel(db, super_admin(), outsider_org, name="Theirs").id
    wrong = people.post(admin, path, {"title": "x", "content": "y", "channelId": str(other_channel)})
    assert wrong.status_code == 404
    mine = people.get(admin, path, channelId=str(channel)).json()
    assert mine == []  # both entries are organisation-wide
    assert people.delete(root, item).status_code == 204
    assert people.post(admin, path, {"content": "no title"}).status_code == 400
    assert people.post(admin, path, {"title": "t", "content": "c", "url": "https://x.org"}).status_code == 400
    assert people.post(admin, path, {"title": "t", "content": "nul \u0000 inside"}).status_code == 400
    assert people.get(admin, f"{path}/{uuid4()}").status_code == 404


def test_the_inbox_shows_which_knowledge_an_answer_came_from(
    people: People, db: Db, shop: tuple[UUID, UUID, Person]
) -> None:
    org, channel, admin = shop
    entry = people.post(
        admin, f"/organizations/{org}/knowledge", {"title": "Hours", "content": "We open every day at 7 am."}
    ).json()
    _ingest_queued()
    public_key = db.execute("SELECT public_key FROM channels WHERE id = %s", (channel,)).fetchone()
    assert public_key is not None
    posted = WidgetClient(public_key["public_key"], uuid4()).post("When do you open?")

    detail = people.get(admin, f"/conversations/{posted.body['conversationId']}").json()

    visitor_message, ai_message = detail["messages"]
    assert visitor_message["knowledgeSources"] == []
    [source] = ai_message["knowledgeSources"]
    assert (source["knowledgeId"], source["title"]) == (entry["id"], "Hours")
    assert "every day at 7 am" in source["excerpt"]

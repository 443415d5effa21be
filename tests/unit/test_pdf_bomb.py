"""A PDF bomb (7 KB that inflates to 7 million characters) is refused (issue #23, item 4; #17, item 4):
pages, characters (the 200,000 of a typed entry), decompressed stream bytes and time are all capped
while the text is extracted, each cap with its own reason."""

from __future__ import annotations

import io
import time

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from chatflow.knowledge.sources import SourceError, extract_file_text


def _pdf(pages: int, chars_per_page: int, char: bytes = b"a") -> bytes:
    writer = PdfWriter()
    font = writer._add_object(  # pypdf's way to add an indirect object
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        stream = DecodedStreamObject()
        stream.set_data(b"BT /F1 12 Tf 72 700 Td (" + char * chars_per_page + b") Tj ET")
        page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("pages", "chars", "reason"),
    [(1, 7_000_000, "pdf_too_large"), (40, 400_000, "text_too_long"), (2_000, 10, "pdf_too_many_pages")],
    ids=["stream", "text", "pages"],
)
def test_a_pdf_bomb_is_refused_by_its_caps_each_with_its_reason(pages: int, chars: int, reason: str) -> None:
    bomb = _pdf(pages, chars)
    assert len(bomb) < 1_000_000

    # An hour's budget: a cap on pages, characters or stream bytes refuses it, not the clock.
    with pytest.raises(SourceError) as refused:
        extract_file_text(bomb, "menu.pdf", max_bytes=5 * 1024 * 1024, pdf_seconds=3600.0)

    assert refused.value.reason == reason


def test_a_pdf_inflating_past_the_typed_texts_cap_is_refused_before_its_second_page_and_in_bounded_time() -> None:
    """7 KB of PDF whose pages hold 150,000 characters each: the second page passes the 200,000 of a
    typed entry, and reading stops there, well inside the worker's budget."""
    bomb = _pdf(50, 150_000)
    assert len(bomb) < 100_000
    started = time.monotonic()

    with pytest.raises(SourceError) as refused:
        extract_file_text(bomb, "menu.pdf", max_bytes=5 * 1024 * 1024, pdf_seconds=20.0)

    assert refused.value.reason == "text_too_long"
    assert "200,000" in str(refused.value)
    assert time.monotonic() - started < 10.0


def test_an_ordinary_pdf_is_read() -> None:
    text = extract_file_text(_pdf(3, 500, b"b"), "menu.pdf", max_bytes=5 * 1024 * 1024)

    assert text.count("b") == 1_500


def test_the_time_budget_is_the_one_given() -> None:
    with pytest.raises(SourceError) as refused:
        extract_file_text(_pdf(3, 500, b"b"), "menu.pdf", max_bytes=5 * 1024 * 1024, pdf_seconds=0.0)

    assert refused.value.reason == "pdf_too_slow"
    assert refused.value.message_in("es") == (
        "El PDF tardó más de 0 segundos en leerse; divídelo en archivos más pequeños."
    )


def test_a_file_that_is_no_pdf_is_told_apart_at_once() -> None:
    from chatflow.knowledge.sources import looks_like_pdf

    assert looks_like_pdf(_pdf(1, 10))
    assert not looks_like_pdf(b"not a pdf")

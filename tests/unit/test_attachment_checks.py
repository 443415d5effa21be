"""What an uploaded file is (its first bytes, never its name), images re-encoded without their metadata,
file names fit to show, what the AI reads in place of a file, and the local S3 front's checks of a POST
policy and a presigned URL (the ones moto leaves out)."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from PIL import Image, PngImagePlugin

from chatflow.attachments.checking import THUMBNAIL_PX, NotWhatItSays, clean_image, sniff, sniff_media
from chatflow.attachments.models import ai_note
from chatflow.attachments.service import clean_name
from infra.local.gateway.s3 import S3Refusal, check_policy, check_presigned_get
from infra.local.meta_samples import mp4_video, voice_note


def _image(fmt: str, mode: str = "RGB", size: tuple[int, int] = (40, 30), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 0).save(out, format=fmt, **save)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (_image("JPEG"), "image/jpeg"),
        (_image("PNG"), "image/png"),
        (_image("GIF", "P"), "image/gif"),
        (_image("WEBP"), "image/webp"),
        (b"%PDF-1.7\n", "application/pdf"),
        ("Pedido 12 — ¿llegó?\r\n\tok".encode(), "text/plain"),
        ("cut in the middle of é".encode()[:-1], "text/plain"),
    ],
)
def test_the_type_is_read_from_the_bytes(data: bytes, found: str) -> None:
    assert sniff(data[:8192]) == found


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00",
        b"PK\x03\x04zip",
        b"\x00\x01binary",
        b"\xff\xfe\xfd not utf-8 \xc3\x28 at all",
        b"",
        b"\x1b[31m",
    ],
)
def test_anything_else_is_no_allowed_type(data: bytes) -> None:
    assert sniff(data) is None


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (voice_note(1), "audio/ogg"),
        (mp4_video(), "video/mp4"),
        (b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A isom", "audio/mp4"),
        (b"\x00\x00\x00\x18ftyp3gp4\x00\x00\x00\x00isom3gp4", "video/3gpp"),
        (b"ID3\x04\x00\x00\x00\x00\x01\x00" + bytes(16), "audio/mpeg"),
        (b"\xff\xfb\x90\x64" + bytes(16), "audio/mpeg"),  # an MPEG-1 layer III frame, 128 kbit/s
        (b"\xff\xf1\x50\x80\x02\x1f\xfc" + bytes(8), "audio/aac"),  # ADTS, 44.1 kHz
    ],
)
def test_a_voice_note_or_video_is_read_from_its_structure(data: bytes, found: str) -> None:
    assert sniff_media(data[:64]) == found


@pytest.mark.parametrize(
    "data",
    [
        b"OggS\x00\x02" + bytes(64),  # an Ogg page with no Opus or Vorbis header
        b"\x00\x00\x00\x18ftypqt  \x00\x00\x00\x00qt  ",  # QuickTime: not a type we keep
        b"\x00\x00\xff\xffftypisom" + bytes(8),  # an ftyp box of an absurd size
        b"ID3\xff\x00\x00\x00\x00\x01\x00",
        b"<html>",
    ],
)
def test_what_only_looks_like_media_is_not(data: bytes) -> None:
    assert sniff_media(data) is None


def test_a_photo_loses_its_exif_and_gps_and_keeps_its_way_up() -> None:
    image = Image.new("RGB", (60, 20), (255, 0, 0))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # rotated: shown 90° clockwise
    exif.get_ifd(0x8825)[2] = (40.0, 26.0, 46.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)

    clean = clean_image(out.getvalue(), "image/jpeg")

    assert b"PhoneMaker" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as reopened:
        assert not reopened.getexif()
        assert reopened.size == (20, 60)  # the orientation is in the pixels now
    assert (clean.width, clean.height) == (20, 60)


def test_a_png_loses_its_text_chunks_and_gets_a_small_webp_thumbnail() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home: 42 Elm Street")
    data = _image("PNG", size=(1600, 900), pnginfo=info)

    clean = clean_image(data, "image/png")

    assert b"Elm Street" not in clean.data
    with Image.open(io.BytesIO(clean.thumbnail)) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.size == (THUMBNAIL_PX, 180)


def test_an_animated_gif_stays_animated() -> None:
    frames = [Image.new("RGB", (10, 10), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=80, comment=b"secret")

    clean = clean_image(out.getvalue(), "image/gif")

    assert b"secret" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as gif:
        assert getattr(gif, "n_frames", 1) == 3


def test_an_image_of_another_format_than_declared_is_refused() -> None:
    with pytest.raises(NotWhatItSays):
        clean_image(_image("PNG"), "image/jpeg")


def test_a_truncated_image_is_refused() -> None:
    with pytest.raises(NotWhatItSays):
        clean_image(_image("JPEG", size=(300, 300))[:200], "image/jpeg")


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("photo.jpg", "photo.jpg"),
        ("C:\\Users\\ana\\Desktop\\recibo.pdf", "recibo.pdf"),
        ("../../etc/passwd", "passwd"),
        ("a<script>.txt", "a_script_.txt"),
        ("\x00\x01", "file"),
        ("x" * 300 + ".png", "x" * 255),
    ],
)
def test_a_file_name_is_kept_fit_to_show(name: str, clean: str) -> None:
    assert clean_name(name) == clean


def test_the_ai_reads_that_a_file_was_sent_and_its_name_only() -> None:
    assert ai_note("visitor", "photo.jpg", "image/jpeg") == "The visitor sent an image: photo.jpg"
    assert ai_note("visitor", "r.pdf", "application/pdf") == "The visitor sent a file: r.pdf"
    assert ai_note("agent", "steps.txt", "text/plain") == "The agent sent a file: steps.txt"
    assert ai_note("visitor", "whatsapp-audio.ogg", "audio/ogg") == (
        "The visitor sent an audio recording: whatsapp-audio.ogg"
    )
    assert ai_note("visitor", "v.mp4", "video/mp4") == "The visitor sent a video: v.mp4"


# --- the local S3 front's checks ---


def _signer(endpoint: str = "http://127.0.0.1:8000/s3") -> object:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # the local stack's
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def _post(max_bytes: int = 100, expires: int = 60) -> dict[str, str]:
    post = _signer().generate_presigned_post(  # type: ignore[attr-defined]
        Bucket="b",
        Key="org/conv/att/file",
        Fields={"Content-Type": "text/plain"},
        Conditions=[{"Content-Type": "text/plain"}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires,
    )
    fields: dict[str, str] = post["fields"]
    return fields


def test_a_post_within_its_policy_passes() -> None:
    check_policy(_post(), 100, "local", bucket="b")


@pytest.mark.parametrize(
    ("change", "size", "code"),
    [
        ({}, 101, "EntityTooLarge"),
        ({}, 0, "EntityTooSmall"),
        ({"Content-Type": "text/html"}, 5, "AccessDenied"),
        ({"key": "org/other/att/file"}, 5, "AccessDenied"),
        ({"x-amz-signature": "0" * 64}, 5, "SignatureDoesNotMatch"),
    ],
)
def test_a_post_outside_its_policy_is_refused(change: dict[str, str], size: int, code: str) -> None:
    with pytest.raises(S3Refusal) as refused:
        check_policy({**_post(), **change}, size, "local", bucket="b")
    assert refused.value.code == code


def test_a_post_after_its_policy_expired_is_refused() -> None:
    fields = _post(expires=10)
    expiration = json.loads(base64.b64decode(fields["policy"]))["expiration"]

    with pytest.raises(S3Refusal) as refused:
        check_policy(fields, 5, "local", bucket="b", now=datetime.fromisoformat(expiration) + timedelta(seconds=1))
    assert "expired" in refused.value.message


def _get(key: str = "org/conv/att/file", expires: int = 60) -> tuple[str, list[tuple[str, str]]]:
    from urllib.parse import parse_qsl, unquote, urlsplit

    url: str = _signer().generate_presigned_url(  # type: ignore[attr-defined]
        "get_object", Params={"Bucket": "b", "Key": key}, ExpiresIn=expires
    )
    parts = urlsplit(url)
    return unquote(parts.path), parse_qsl(parts.query)


def test_a_presigned_get_passes_until_it_expires() -> None:
    path, query = _get(expires=30)

    check_presigned_get("GET", "127.0.0.1:8000", path, query, "local")
    with pytest.raises(S3Refusal, match="Request has expired"):
        check_presigned_get(
            "GET", "127.0.0.1:8000", path, query, "local", now=datetime.now(UTC) + timedelta(seconds=31)
        )


def test_a_presigned_get_for_another_key_or_host_is_refused() -> None:
    path, query = _get()

    with pytest.raises(S3Refusal) as other_key:
        check_presigned_get("GET", "127.0.0.1:8000", path.replace("/att/", "/guess/"), query, "local")
    with pytest.raises(S3Refusal) as other_host:
        check_presigned_get("GET", "evil.example:8000", path, query, "local")
    with pytest.raises(S3Refusal) as unsigned:
        check_presigned_get("GET", "127.0.0.1:8000", path, [], "local")
    assert other_key.value.code == other_host.value.code == "SignatureDoesNotMatch"
    assert unsigned.value.code == "AccessDenied"

"""What an uploaded file really is (its first bytes, never its name), and images made safe to show.

Images are decoded and encoded again with Pillow: what is stored and served is pixels only, without
the EXIF block (a phone's GPS position, its serial number), XMP, ICC comments or PNG text chunks
that the original carried; the EXIF orientation is applied to the pixels first, so a photo keeps
its way up. A thumbnail (at most 320 px a side, WebP) is made for the thread.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["THUMBNAIL_PX", "CleanImage", "NotWhatItSays", "clean_image", "sniff"]

THUMBNAIL_PX = 320
# A decompression bomb (a small file that decodes to gigapixels) is refused before it is decoded.
_MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = _MAX_PIXELS

_PILLOW_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


class NotWhatItSays(Exception):
    """The bytes are not a file of an allowed type, or not of the declared one, or cannot be decoded."""


def sniff(head: bytes) -> str | None:
    """The allowed type these first bytes (at least 16; a few KB for text) begin, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(head) >= 12 and head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if _is_text(head):
        return "text/plain"
    return None


def _is_text(head: bytes) -> bool:
    """UTF-8 (a multi-byte character cut at the sample's end is fine) without NULs or other control
    characters than tab, newline, carriage return and form feed."""
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    return not any(ord(c) < 32 and c not in "\t\n\r\f" for c in text)


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int
    thumbnail: bytes


def clean_image(data: bytes, declared_type: str) -> CleanImage:
    """The image decoded and encoded again without metadata, with its thumbnail. NotWhatItSays when
    Pillow finds another format than `declared_type`, or cannot decode it."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            found = _PILLOW_FORMATS.get(opened.format or "")
            if found != declared_type:
                raise NotWhatItSays(f"the bytes are {opened.format or 'unknown'}, not {declared_type}")
            animated = bool(getattr(opened, "is_animated", False))
            if animated:
                frames, durations = _frames(opened)
                first = frames[0]
            else:
                first = ImageOps.exif_transpose(opened)
                first.load()
                frames, durations = [first], []
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise NotWhatItSays(f"the image cannot be decoded: {type(exc).__name__}") from exc
    out = io.BytesIO()
    _save(frames, durations, declared_type, out)
    thumb = first.convert("RGBA") if first.mode not in ("RGB", "RGBA") else first.copy()
    thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, format="WEBP", quality=80)
    return CleanImage(
        data=out.getvalue(),
        content_type=declared_type,
        width=first.width,
        height=first.height,
        thumbnail=thumb_out.getvalue(),
    )


def _frames(image: Image.Image) -> tuple[list[Image.Image], list[int]]:
    frames: list[Image.Image] = []
    durations: list[int] = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(image.convert("RGBA"))
        durations.append(int(image.info.get("duration", 100)))
    return frames, durations


def _save(frames: list[Image.Image], durations: list[int], content_type: str, out: io.BytesIO) -> None:
    """Only pixels are written: no exif=, icc_profile=, pnginfo= or comment= is passed, and each frame's
    `info` (where Pillow's encoders look for a GIF comment, an EXIF block, XMP) is emptied first."""
    for frame in frames:
        frame.info = {}
    first = frames[0]
    if content_type == "image/jpeg":
        first.convert("RGB").save(out, format="JPEG", quality=88, optimize=True)
    elif content_type == "image/png":
        # zlib level 3, not the default 6 or optimize=True: on a photo saved as PNG those cost 2.5–5× the
        # time (seconds for 3 MP) for a few % of size, which a confirmation cannot spend (bench/attachments.py).
        first.save(out, format="PNG", compress_level=3)
    elif content_type == "image/webp":
        if len(frames) > 1:
            first.save(out, format="WEBP", save_all=True, append_images=frames[1:], duration=durations, loop=0)
        else:
            first.save(out, format="WEBP", quality=88, method=2)
    else:  # image/gif
        if len(frames) > 1:
            first.save(out, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
        else:
            first.save(out, format="GIF")

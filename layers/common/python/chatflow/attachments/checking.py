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

__all__ = ["THUMBNAIL_PX", "CleanImage", "NotWhatItSays", "clean_image", "sniff", "sniff_media"]

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


# ISO base media files (MP4, M4A, 3GP) by the major brand of their first box, `ftyp`: what a phone's
# camera or recorder writes (WhatsApp's and Messenger's videos and voice notes among them).
_MP4_BRANDS = frozenset({b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"M4V "})
_M4A_BRANDS = frozenset({b"M4A ", b"M4B "})
# MPEG-1 layer III's bit rates (kbit/s) by index, 0 and 15 invalid; and sample rates by index.
_MP3_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0)


def sniff_media(head: bytes) -> str | None:
    """The audio or video container these first bytes (a few hundred) begin, read from its structure
    and not only a magic number: an Ogg page whose first packet is an Opus or Vorbis header
    (`audio/ogg`, WhatsApp's voice notes), an ISO base media `ftyp` box with a known brand (`video/mp4`,
    `audio/mp4`, `video/3gpp`: whether an MP4 is a voice note or a film is the caller's to say), MP3
    behind an ID3 tag or a valid frame header (`audio/mpeg`), AAC in ADTS frames (`audio/aac`); else None."""
    if _is_ogg_audio(head):
        return "audio/ogg"
    if len(head) >= 16 and head[4:8] == b"ftyp" and 16 <= int.from_bytes(head[:4], "big") <= 4096:
        brand = head[8:12]
        if brand in _M4A_BRANDS:
            return "audio/mp4"
        if brand in _MP4_BRANDS:
            return "video/mp4"
        if brand[:3] in (b"3gp", b"3g2", b"3ge", b"3gg") and brand[3:4].isdigit():
            return "video/3gpp"
        return None
    if _is_id3(head) or _is_mp3_frame(head):
        return "audio/mpeg"
    if len(head) >= 7 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0 and (head[2] >> 2) & 0x0F < 13:
        return "audio/aac"  # ADTS: 12 sync bits, layer 00, a defined sampling frequency index
    return None


def _is_ogg_audio(head: bytes) -> bool:
    """An Ogg page (version 0, beginning of stream) whose first packet opens an Opus or Vorbis stream."""
    if len(head) < 28 or not head.startswith(b"OggS") or head[4] != 0 or not head[5] & 0x02:
        return False
    segments = head[26]
    packet = head[27 + segments : 27 + segments + 8]
    return packet == b"OpusHead" or packet[:7] == b"\x01vorbis"


def _is_id3(head: bytes) -> bool:
    """An ID3v2 tag's header: version 2-4, and a size of four 7-bit bytes."""
    return (
        len(head) >= 10
        and head.startswith(b"ID3")
        and head[3] in (2, 3, 4)
        and head[4] != 0xFF
        and all(b < 0x80 for b in head[6:10])
    )


def _is_mp3_frame(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, MPEG-1/2/2.5 layer III, a valid bit rate and sample rate."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0x03, (head[1] >> 1) & 0x03
    bitrate, sample_rate = head[2] >> 4, (head[2] >> 2) & 0x03
    return version != 1 and layer == 1 and _MP3_BITRATES[bitrate] != 0 and sample_rate != 3


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

"""Small media files as customers send them on WhatsApp and Messenger, made here (no file to ship):
a voice note a browser plays (Ogg Opus, one second of silence) and the first boxes of a phone's MP4
video. For the signed-webhook script (infra.local.meta_webhook) and the tests."""

from __future__ import annotations

import struct

__all__ = ["mp4_video", "voice_note"]

# Opus's own silent 20 ms frame (CELT, fullband, mono): the TOC byte 0xF8, then a frame of silence.
_SILENT_FRAME = b"\xf8\xff\xfe"
_SERIAL = 0x0C4A7F10


def _crc32_ogg(data: bytes) -> int:
    """Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, starting at 0."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _page(packets: list[bytes], *, sequence: int, granule: int, flags: int) -> bytes:
    lacing = b"".join(bytes([255] * (len(p) // 255) + [len(p) % 255]) for p in packets)
    header = b"OggS" + struct.pack("<BBqIIIB", 0, flags, granule, _SERIAL, sequence, 0, len(lacing)) + lacing
    page = header + b"".join(packets)
    return page[:22] + struct.pack("<I", _crc32_ogg(page)) + page[26:]


def voice_note(seconds: int = 1) -> bytes:
    """An Ogg Opus file as WhatsApp records voice notes (audio/ogg; codecs=opus), of silence."""
    pre_skip = 312
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, pre_skip, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 8) + b"chatflow" + struct.pack("<I", 0)
    frames = [_SILENT_FRAME] * (50 * seconds)
    return (
        _page([head], sequence=0, granule=0, flags=0x02)
        + _page([tags], sequence=1, granule=0, flags=0)
        + _page(frames, sequence=2, granule=960 * len(frames), flags=0x04)
    )


def mp4_video() -> bytes:
    """The first boxes of an MP4 as a phone's camera writes it (`ftyp` isom, then the media data):
    enough to be recognised as video/mp4, not a film to watch."""
    ftyp = struct.pack(">I", 32) + b"ftypisom" + struct.pack(">I", 512) + b"isomiso2avc1mp41"
    mdat = struct.pack(">I", 8 + 1024) + b"mdat" + bytes(1024)
    return ftyp + mdat

"""What checking an uploaded image costs the confirmation (chatflow.attachments.checking): reading its
type from the first bytes, and decoding and encoding it again without metadata, with its thumbnail, for
phone-sized photos. Printed, never asserted.

    .venv/bin/python -m bench.attachments [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "layers" / "common" / "python"))

from PIL import Image

from chatflow.attachments.checking import clean_image, sniff

# (label, width, height, format, content type): a web image, a phone's photo at 3 and 12 megapixels.
CASES = (
    ("1 MP JPEG", 1280, 800, "JPEG", "image/jpeg"),
    ("3 MP JPEG", 2048, 1536, "JPEG", "image/jpeg"),
    ("12 MP JPEG", 4032, 3024, "JPEG", "image/jpeg"),
    ("3 MP PNG", 2048, 1536, "PNG", "image/png"),
    ("3 MP WebP", 2048, 1536, "WEBP", "image/webp"),
)


def _photo(width: int, height: int, fmt: str) -> bytes:
    """Noise over a gradient: compresses like a photo (flat colour would flatter the encoder)."""
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(gradient, noise, 0.5)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif, quality=90) if fmt != "PNG" else image.save(out, format=fmt)
    return out.getvalue()


def _ms(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'image':<12} {'bytes':>11} {'stored':>11} {'thumb':>8}  {'sniff p50':>9}  {'re-encode p50/max':>18}")
    for label, width, height, fmt, content_type in CASES:
        data = _photo(width, height, fmt)
        sniff_ms, _ = _ms(lambda data=data: sniff(data[:8192]), args.repeat)  # type: ignore[misc]
        clean = clean_image(data, content_type)
        p50, worst = _ms(lambda data=data, ct=content_type: clean_image(data, ct), args.repeat)  # type: ignore[misc]
        print(
            f"{label:<12} {len(data):>11,} {len(clean.data):>11,} {len(clean.thumbnail):>8,}  "
            f"{sniff_ms:>7.3f}ms  {p50:>8.0f} / {worst:>4.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

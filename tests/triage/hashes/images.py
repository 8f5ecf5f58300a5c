"""Real images for hash matching tests, drawn with Pillow."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def pattern(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A picture of coloured rectangles and ellipses; each seed draws a different one."""
    rng = random.Random(seed)
    img = Image.new("RGB", size, (240, 235, 220))
    draw = ImageDraw.Draw(img)
    for _ in range(25):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        box = [x0, y0, x0 + rng.randrange(20, 250), y0 + rng.randrange(20, 250)]
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.rectangle if rng.random() < 0.5 else draw.ellipse)(box, fill=colour)
    return img


def encode(img: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def resized_jpeg(img: Image.Image, scale: float = 0.5, quality: int = 70) -> bytes:
    """The same picture as a platform would re-serve it: smaller, and re-encoded as JPEG."""
    small = img.resize((int(img.width * scale), int(img.height * scale)))
    return encode(small, "JPEG", quality=quality)

"""What the console shows of an image before anyone reveals it: a small, greyscale copy, blurred
as strongly as the viewer chose (auth.preferences.BLUR_STRENGTHS; a strong blur by default).

Made on the server, so an unrevealed image never reaches the browser at all: CSS blur alone
would still send the original, one "inspect element" away.
"""

from __future__ import annotations

import io

from PIL import Image, ImageFilter, UnidentifiedImageError

PREVIEW_SIZE = 240


def blurred(content: bytes, *, radius: int) -> bytes | None:
    """A JPEG at most PREVIEW_SIZE pixels wide or high, greyscale, blurred with a Gaussian of
    ``radius`` px (0: not blurred); None when the bytes are not an image Pillow can read."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.draft("L", (PREVIEW_SIZE, PREVIEW_SIZE))  # JPEG: decode at reduced size
            small = image.convert("L")
            small.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    if radius > 0:
        small = small.filter(ImageFilter.GaussianBlur(radius))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=60)
    return out.getvalue()

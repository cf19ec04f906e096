"""Product photos for the demo, drawn locally by Pillow (nothing is downloaded)."""

import io
import random

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images.models import Image


def draw_photo(shape: str, colour: tuple[int, int, int], seed: str) -> bytes:
    """A simple, recognisable placeholder photo: a shape on a soft background."""
    rng = random.Random(seed)
    width, height = 960, 640
    background = tuple(min(255, 235 + rng.randint(0, 15)) for _ in range(3))
    image = PILImage.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    dark = tuple(max(0, c - 60) for c in colour)
    cx, cy = width // 2, height // 2
    if shape == "round":
        for _ in range(3):
            r = rng.randint(120, 170)
            x, y = cx + rng.randint(-200, 200), cy + rng.randint(-80, 80)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline=dark, width=6)
            draw.ellipse((x - 20, y - r - 10, x + 20, y - r + 20), fill=(70, 130, 50))
    elif shape == "long":
        for offset in (-140, 0, 140):
            draw.rounded_rectangle(
                (cx - 330, cy + offset - 45, cx + 330, cy + offset + 45),
                radius=45,
                fill=colour,
                outline=dark,
                width=6,
            )
    elif shape == "leaf":
        for offset in (-220, 0, 220):
            draw.ellipse(
                (cx + offset - 110, cy - 230, cx + offset + 110, cy + 230),
                fill=colour,
                outline=dark,
                width=6,
            )
            draw.line((cx + offset, cy - 220, cx + offset, cy + 220), fill=dark, width=6)
    elif shape in ("bag", "box"):
        top = cy - 200 if shape == "bag" else cy - 150
        draw.rectangle((cx - 220, top, cx + 220, cy + 230), fill=colour, outline=dark, width=8)
        if shape == "bag":
            draw.arc((cx - 120, top - 150, cx + 120, top + 90), 180, 360, fill=dark, width=18)
    elif shape == "knit":
        for row in range(8):
            y = 100 + row * 60
            for col in range(12):
                x = 120 + col * 62
                draw.polygon([(x, y), (x + 31, y + 50), (x + 62, y)], fill=colour, outline=dark)
    elif shape == "net":
        for i in range(0, width + height, 48):
            draw.line((i, 0, i - height, height), fill=colour, width=5)
            draw.line((i - height, 0, i, height), fill=colour, width=5)
    elif shape == "bottle":
        draw.rounded_rectangle(
            (cx - 110, cy - 120, cx + 110, cy + 260), radius=40, fill=colour, outline=dark, width=6
        )
        draw.rectangle((cx - 40, cy - 240, cx + 40, cy - 110), fill=colour, outline=dark, width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82)
    return buffer.getvalue()


def photo_for(*, title: str, slug: str, shape: str, colour: tuple[int, int, int]) -> Image:
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    content = draw_photo(shape, colour, slug)
    return Image.objects.create(
        title=title, file=ImageFile(io.BytesIO(content), name=f"{slug}.jpg")
    )

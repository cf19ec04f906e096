"""Photos from producers' phones: read them with Pillow, refuse what cannot be
read with a message a villager can act on, and keep a modest JPEG.

Every photo is re-encoded, not only large ones: that drops the EXIF block,
which on a phone photo holds the GPS position of the producer's home. Every way
into the shop's images passes here (the portal, and the Wagtail admin and API
through `shop/catalogue/images.py`). HEIC, the default of iPhones and many
Android phones, is read with pillow-heif and stored as JPEG like the rest."""

import io
import secrets
from dataclasses import dataclass
from pathlib import PurePath

from django.core.files import File
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

MAX_UPLOAD_BYTES = 25 * 1024 * 1024

MAX_SIDE = 2000

# After JPEG draft decoding (below); keeps a PNG or WebP from taking gigabytes.
MAX_PIXELS = 50_000_000

JPEG_QUALITY = 85

# Pillow opens HEIC (HEIF) files once pillow-heif registered its opener.
register_heif_opener()

READABLE_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "HEIF"}


class PhotoError(Exception):
    """A photo that cannot be used; the message is for the producer."""


class StrippedPhoto(ContentFile):
    """A JPEG made by prepare_photo: the image model stores it as it is."""


@dataclass(frozen=True)
class PreparedPhoto:
    content: bytes  # JPEG
    width: int
    height: int

    def as_file(self, name: str) -> StrippedPhoto:
        """The photo as a file to store, named ``name`` with a .jpg suffix after a random
        prefix: Wagtail names the stored original and its renditions after it, and a
        draft product's photo must not be found under /media/ by guessing (the
        producer's code, a phone's IMG_1234). First, as Wagtail cuts long names' ends."""
        return StrippedPhoto(self.content, name=f"{secrets.token_hex(8)}-{PurePath(name).stem}.jpg")


def prepare_photo(upload: File) -> PreparedPhoto:
    """Check that ``upload`` is a photo and return it as a JPEG no larger than
    MAX_SIDE on its longest side, turned upright; raise PhotoError if not."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise PhotoError(
            _("照片文件太大（%(size)s），最大 %(limit)s。请换一张，或在手机上缩小后再传。")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)}
        )
    upload.seek(0)
    unreadable = PhotoError(
        _("这个文件不是能识别的照片。请上传手机拍的照片（JPG、PNG 或苹果手机的 HEIC）。")
    )
    too_many_pixels = PhotoError(_("照片像素太多，请换一张普通大小的照片。"))
    try:
        image = Image.open(upload)
        if image.format not in READABLE_FORMATS:
            raise unreadable
        # A JPEG can be decoded at 1/2, 1/4 or 1/8 scale: a 100-megapixel
        # phone photo then costs a fraction of the memory.
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        if image.width * image.height > MAX_PIXELS:
            raise too_many_pixels
        image.load()
        image = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise unreadable from None
    if image.mode != "RGB":
        # Transparent parts of a PNG become white, not black.
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return PreparedPhoto(content=buffer.getvalue(), width=image.width, height=image.height)

"""Album covers for the importer: find the image beside the audio files, store it as a small JPEG."""

import io
import logging
import os
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

# Looked for, case-insensitively and in this order, in the folder of an audio file without art.
COVER_FILE_NAMES = ("cover.jpg", "cover.jpeg", "cover.png", "folder.jpg", "folder.jpeg", "folder.png")
COVER_MAX_PIXELS = 600
COVER_JPEG_QUALITY = 85


def cover_file_in(folder: Path) -> Path | None:
    """Return the cover.jpg / folder.jpg (or .png) image of a folder, whatever its case, if any."""
    try:
        names = {name.casefold(): name for name in os.listdir(folder)}
    except OSError:
        return None
    for wanted in COVER_FILE_NAMES:
        if wanted in names and (folder / names[wanted]).is_file():
            return folder / names[wanted]
    return None


def cover_store(*, source: bytes, checksum: str) -> str | None:
    """Store the image as a JPEG of at most 600 px under covers/<checksum[:2]>/<checksum>.jpg.

    Return the storage name, or None (and log why) when the bytes are not an image Pillow can read.
    The name depends only on the source, so an image shared by several albums is stored once.
    """
    name = f"covers/{checksum[:2]}/{checksum}.jpg"
    if default_storage.exists(name):
        return name
    try:
        jpeg = _resized_jpeg(source)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        logger.warning("Skipped a cover image that cannot be decoded (%s)", error)
        return None
    return default_storage.save(name, ContentFile(jpeg))


def _resized_jpeg(source: bytes) -> bytes:
    with Image.open(io.BytesIO(source)) as image:
        image.draft("RGB", (COVER_MAX_PIXELS, COVER_MAX_PIXELS))  # lets big JPEGs decode at a lower scale
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
        else:
            image = image.convert("RGB")
        image.thumbnail((COVER_MAX_PIXELS, COVER_MAX_PIXELS), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=COVER_JPEG_QUALITY, optimize=True)
        return out.getvalue()

"""Album covers for the demo: a procedural picture in the genre's palette with the title typeset on it.

``render_cover`` is deterministic for its arguments (on one machine: text is drawn with the fonts
found there, DejaVu or Liberation when present, else Pillow's own).
"""

import functools
import io
import math
import os
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIZE = 600
JPEG_QUALITY = 84

PALETTES: dict[str, tuple[str, ...]] = {
    "Synthwave": ("#1a1033", "#2b1055", "#ff2e97", "#ffd319", "#7597de", "#ff6c11"),
    "House": ("#2e3192", "#ff5f6d", "#ffc371", "#1bd6d6", "#fdfcdc", "#6b2d5c"),
    "Techno": ("#0d0d0f", "#e4e4e4", "#ff1f4b", "#3a3a40", "#00d5ff", "#8a8a92"),
    "Ambient": ("#6a85b6", "#e0eafc", "#a1c4fd", "#c2e9fb", "#fbc2eb", "#2f3d5c"),
    "Drum & Bass": ("#0f2027", "#203a43", "#2c5364", "#00f260", "#f7ff00", "#0575e6"),
    "Lo-Fi Hip Hop": ("#355c7d", "#f4b6c2", "#f6e1b8", "#8fb9a8", "#c06c84", "#fdf5e6"),
    "Jazz": ("#0b3d91", "#f2a900", "#f5f0e1", "#111111", "#c8102e", "#3a7ca5"),
    "Funk": ("#3e2723", "#ff6f00", "#ffca28", "#6a1b9a", "#d81b60", "#fff3e0"),
    "Rock": ("#1b1b1b", "#b71c1c", "#e0d6c3", "#5d4037", "#f5f5f5", "#8d6e63"),
    "Indie Pop": ("#2d3047", "#ff9aa2", "#ffdac1", "#b5ead7", "#c7ceea", "#ffb7b2"),
    "Folk": ("#386641", "#c9b79c", "#8e5a2b", "#f2e8cf", "#5b7553", "#bc4749"),
    "Classical": ("#f8f4e3", "#2f2f2f", "#b08d57", "#7a1f1f", "#324a5f", "#d9cbb0"),
    "Reggae": ("#111111", "#009b3a", "#fed100", "#e4002b", "#f3efe0", "#5a3d1e"),
    "Chiptune": ("#0f0f1b", "#29adff", "#ff004d", "#ffec27", "#00e436", "#ff77a8"),
}
_LAYOUTS: dict[str, tuple[str, ...]] = {
    "Synthwave": ("sunset", "rings", "dots"),
    "House": ("blobs", "bauhaus", "rings"),
    "Techno": ("stripes", "dots", "type"),
    "Ambient": ("blobs", "waves"),
    "Drum & Bass": ("waves", "dots", "stripes"),
    "Lo-Fi Hip Hop": ("blobs", "waves", "bauhaus"),
    "Jazz": ("type", "bauhaus"),
    "Funk": ("rings", "bauhaus", "sunset"),
    "Rock": ("type", "stripes"),
    "Indie Pop": ("blobs", "bauhaus"),
    "Folk": ("waves", "type"),
    "Classical": ("type", "waves"),
    "Reggae": ("stripes", "sunset", "bauhaus"),
    "Chiptune": ("pixels", "sunset"),
}
_FONT_FILES = {
    "bold": ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf", "arialbd.ttf"),
    "regular": ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf", "arial.ttf"),
    "light": ("DejaVuSans-ExtraLight.ttf", "LiberationSans-Regular.ttf", "Arial.ttf", "arial.ttf"),
    "condensed": ("DejaVuSansCondensed-Bold.ttf", "LiberationSansNarrow-Bold.ttf", "Arial Narrow Bold.ttf"),
    "serif": ("DejaVuSerif.ttf", "LiberationSerif-Regular.ttf", "Georgia.ttf", "georgia.ttf"),
    "serif_italic": ("DejaVuSerif-Italic.ttf", "LiberationSerif-Italic.ttf", "Georgia Italic.ttf"),
    "mono": ("DejaVuSansMono-Bold.ttf", "LiberationMono-Bold.ttf", "Courier New Bold.ttf"),
}
_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.fonts",
    "~/.local/share/fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)
# Which typefaces suit which layout: (title, artist).
_TYPE = {
    "sunset": ("bold", "regular"),
    "rings": ("condensed", "regular"),
    "dots": ("mono", "mono"),
    "blobs": ("serif_italic", "light"),
    "bauhaus": ("bold", "bold"),
    "stripes": ("condensed", "regular"),
    "waves": ("serif", "regular"),
    "type": ("condensed", "serif_italic"),
    "pixels": ("mono", "mono"),
}


def render_cover(*, title: str, artist: str, genre: str, seed: int) -> bytes:
    """Return a 600x600 JPEG cover for an album: a picture in the genre's palette and the title."""
    rng = random.Random(seed)
    palette = [_rgb(color) for color in PALETTES[genre]]
    rng.shuffle(palette)
    layout = rng.choice(_LAYOUTS[genre])
    image = _PAINTERS[layout](rng, palette)
    _typeset(image, rng, layout, title, artist)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------
# Pictures
# ---------------------------------------------------------------------------------------------------


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _luminance(color) -> float:
    r, g, b = color[:3]
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def _mix(a, b, amount: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * amount) for x, y in zip(a, b))


def _gradient(top, bottom, angle: float = 90.0, size: int = SIZE) -> Image.Image:
    """Return a linear gradient between two colours, at angle degrees (90: top to bottom)."""
    axis = np.arange(size, dtype=np.float32) / (size - 1) - 0.5
    direction = math.radians(angle)
    t = axis[None, :] * math.cos(direction) + axis[:, None] * math.sin(direction)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    start, end = np.array(top, np.float32), np.array(bottom, np.float32)
    pixels = start + (end - start) * t[..., None]
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def _dark_and_light(palette):
    ordered = sorted(palette, key=_luminance)
    return ordered[0], ordered[-1]


def _sunset(rng: random.Random, palette) -> Image.Image:
    dark, light = _dark_and_light(palette)
    accents = [c for c in palette if c not in (dark, light)]
    horizon = rng.randint(330, 400)
    image = _gradient(dark, _mix(accents[0], dark, 0.2))
    draw = ImageDraw.Draw(image)
    radius = rng.randint(120, 170)
    cx = rng.choice((SIZE // 2, rng.randint(200, 400)))
    sun = _gradient(light, accents[1], 90, 2 * radius)
    mask = Image.new("L", sun.size, 0)
    mask_draw = ImageDraw.Draw(mask)
    mask_draw.ellipse((0, 0, 2 * radius - 1, 2 * radius - 1), fill=255)
    # The classic banded sun: stripes cut from its lower half, thicker towards the horizon.
    gap, y = 3, radius
    while y < 2 * radius:
        mask_draw.rectangle((0, y, 2 * radius, y + gap), fill=0)
        y += gap + 16
        gap += 2
    image.paste(sun, (cx - radius, horizon - radius - rng.randint(0, 40)), mask)
    ground = _gradient(_mix(dark, (0, 0, 0), 0.3), dark, 90, SIZE)
    image.paste(ground.crop((0, 0, SIZE, SIZE - horizon)), (0, horizon))
    line = _mix(accents[0], light, 0.2)
    for i in range(1, 14):
        y = horizon + int((SIZE - horizon) * (i / 13) ** 1.8)
        draw.line((0, y, SIZE, y), fill=line, width=2)
    for i in range(-12, 13):
        draw.line((SIZE / 2 + i * 18, horizon, SIZE / 2 + i * 110, SIZE), fill=line, width=2)
    return image


def _rings(rng: random.Random, palette) -> Image.Image:
    image = Image.new("RGB", (SIZE, SIZE), palette[0])
    draw = ImageDraw.Draw(image)
    cx, cy = rng.choice(((300, 300), (600, 600), (0, 600), (450, 200), (300, 650)))
    radius, index = 900, rng.randrange(len(palette))
    widths = [rng.choice((18, 30, 45, 60)) for _ in range(4)]
    step = 0
    while radius > 0:
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=palette[index % len(palette)])
        radius -= widths[step % len(widths)]
        index += 1
        step += 1
    return image


def _dots(rng: random.Random, palette) -> Image.Image:
    dark, light = _dark_and_light(palette)
    image = Image.new("RGB", (SIZE, SIZE), dark)
    draw = ImageDraw.Draw(image)
    accent = next(c for c in palette if c not in (dark, light))
    pitch = rng.choice((20, 24, 30))
    fx, fy = rng.uniform(0, SIZE), rng.uniform(0, SIZE)
    for y in range(pitch // 2, SIZE, pitch):
        for x in range(pitch // 2, SIZE, pitch):
            distance = math.hypot(x - fx, y - fy) / (SIZE * 1.1)
            r = pitch * 0.48 * max(0.0, 1 - distance) ** 1.3
            color = light if int(distance * 14) % 4 == 0 else accent
            if r > 0.8:
                draw.ellipse((x - r, y - r, x + r, y + r), fill=color)
    return image


def _blobs(rng: random.Random, palette) -> Image.Image:
    small = 120  # painted small and enlarged: the blur comes free with the enlargement
    image = Image.new("RGB", (small, small), palette[0])
    draw = ImageDraw.Draw(image)
    for color in palette[1:] + palette[1:3]:
        r = rng.randint(18, 45)
        x, y = rng.randint(0, small), rng.randint(0, small)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=color)
    image = image.filter(ImageFilter.GaussianBlur(14)).resize((SIZE, SIZE), Image.Resampling.BICUBIC)
    return image


def _bauhaus(rng: random.Random, palette) -> Image.Image:
    background = max(palette, key=_luminance) if rng.random() < 0.6 else palette[0]
    image = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(image)
    colors = [c for c in palette if c != background]
    cell = SIZE // 3
    for row in range(3):
        for col in range(3):
            if rng.random() < 0.3:
                continue
            x, y = col * cell, row * cell
            color = rng.choice(colors)
            shape = rng.choice(("circle", "half", "quarter", "square", "triangle", "bars"))
            box = (x, y, x + cell, y + cell)
            if shape == "circle":
                draw.ellipse(box, fill=color)
            elif shape == "half":
                start = rng.choice((0, 90, 180, 270))
                draw.pieslice(
                    (x, y - cell // 2, x + cell, y + cell // 2) if start == 0 else box,
                    start,
                    start + 180,
                    fill=color,
                )
            elif shape == "quarter":
                corner = rng.choice(((x, y), (x - cell, y), (x, y - cell), (x - cell, y - cell)))
                draw.pieslice((*corner, corner[0] + 2 * cell, corner[1] + 2 * cell), 0, 360, fill=color)
            elif shape == "square":
                inset = rng.choice((0, 20))
                draw.rectangle((x + inset, y + inset, x + cell - inset, y + cell - inset), fill=color)
            elif shape == "triangle":
                draw.polygon([(x, y + cell), (x + cell, y + cell), (x + cell // 2, y)], fill=color)
            else:
                for i in range(4):
                    draw.rectangle(
                        (x, y + i * cell // 4, x + cell, y + i * cell // 4 + cell // 10), fill=color
                    )
    return image


def _stripes(rng: random.Random, palette) -> Image.Image:
    widths = [rng.choice((14, 26, 40, 70)) for _ in range(5)]
    angle = math.radians(rng.choice((0, 30, 45, -45, 60, 90)))
    # Each stripe's colour along the stripes' axis, at half-pixel steps; the picture is drawn at
    # twice the size and averaged down, which smooths the edges at any angle.
    lut, index = [], 0
    while len(lut) < 4 * 2 * SIZE:
        lut += [index % len(palette)] * (2 * widths[index % len(widths)])
        index += 1
    colors = np.array(palette, dtype=np.uint8)[np.array(lut)]
    half = np.arange(2 * SIZE, dtype=np.float32) - SIZE
    position = half[None, :] * math.cos(angle) + half[:, None] * math.sin(angle) + 3 * SIZE
    return Image.fromarray(colors[position.astype(np.int32)], "RGB").reduce(2)


def _waves(rng: random.Random, palette) -> Image.Image:
    dark, light = _dark_and_light(palette)
    image = _gradient(light, _mix(light, palette[1], 0.5))
    draw = ImageDraw.Draw(image)
    if rng.random() < 0.7:
        r = rng.randint(50, 90)
        cx, cy = rng.randint(120, 480), rng.randint(110, 220)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_mix(palette[2], light, 0.3))
    layers = rng.randint(4, 6)
    for layer in range(layers):
        base = 250 + layer * (330 // layers)
        amplitude = rng.uniform(12, 40)
        frequency = rng.uniform(1.0, 3.0)
        phase = rng.uniform(0, 2 * math.pi)
        color = _mix(palette[(layer + 1) % len(palette)], dark, layer / (layers + 1))
        points = [
            (x, base + amplitude * math.sin(frequency * 2 * math.pi * x / SIZE + phase))
            for x in range(0, SIZE + 10, 10)
        ]
        draw.polygon([*points, (SIZE, SIZE), (0, SIZE)], fill=color)
    return image


def _type(rng: random.Random, palette) -> Image.Image:
    """A record-label look: a big colour field and blocks for the typography to sit on."""
    image = Image.new("RGB", (SIZE, SIZE), palette[0])
    draw = ImageDraw.Draw(image)
    split = rng.choice((200, 260, 330))
    if rng.random() < 0.5:
        draw.rectangle((0, split, SIZE, SIZE), fill=palette[1])
    else:
        draw.rectangle((0, 0, split, SIZE), fill=palette[1])
    # A record half out of the frame, or a few thick rules.
    if rng.random() < 0.6:
        r = rng.randint(170, 260)
        cx, cy = rng.choice((SIZE, SIZE - 60, 420)), rng.choice((SIZE, SIZE - 80, 160))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=palette[2])
        draw.ellipse((cx - r // 3, cy - r // 3, cx + r // 3, cy + r // 3), fill=palette[3])
        draw.ellipse((cx - 8, cy - 8, cx + 8, cy + 8), fill=palette[0])
    else:
        for _ in range(rng.randint(2, 4)):
            y = rng.randrange(40, SIZE - 40, 20)
            draw.rectangle((0, y, SIZE, y + rng.choice((6, 14, 28))), fill=rng.choice(palette[2:]))
    return image


def _pixels(rng: random.Random, palette) -> Image.Image:
    grid = 24
    dark = min(palette, key=_luminance)
    image = Image.new("RGB", (grid, grid), dark)
    pixels = image.load()
    colors = [c for c in palette if c != dark]
    # A symmetric sprite in the middle, a starfield around it.
    sprite = [[rng.random() < 0.55 for _ in range(5)] for _ in range(10)]
    body = rng.choice(colors)
    for row in range(10):
        for col in range(5):
            if sprite[row][col]:
                pixels[7 + col, 6 + row] = body
                pixels[16 - col, 6 + row] = body
    for _ in range(30):
        x, y = rng.randrange(grid), rng.randrange(grid)
        if pixels[x, y] == dark:
            pixels[x, y] = rng.choice(colors) if rng.random() < 0.3 else _mix(dark, (255, 255, 255), 0.35)
    return image.resize((SIZE, SIZE), Image.Resampling.NEAREST)


_PAINTERS = {
    "sunset": _sunset,
    "rings": _rings,
    "dots": _dots,
    "blobs": _blobs,
    "bauhaus": _bauhaus,
    "stripes": _stripes,
    "waves": _waves,
    "type": _type,
    "pixels": _pixels,
}


# ---------------------------------------------------------------------------------------------------
# Typography
# ---------------------------------------------------------------------------------------------------


@functools.cache
def _font_path(role: str) -> str | None:
    wanted = {name.casefold(): rank for rank, name in enumerate(_FONT_FILES[role])}
    found: list[tuple[int, str]] = []
    for folder in _FONT_DIRS:
        for parent, _, names in os.walk(Path(folder).expanduser()):
            found += [
                (wanted[n.casefold()], os.path.join(parent, n)) for n in names if n.casefold() in wanted
            ]
    return min(found)[1] if found else None


@functools.cache
def _font(role: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_path(role)
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, role: str, width: int, largest: int, smallest: int, max_lines: int
):
    """Return (font, lines): the largest size at which text fits width in at most max_lines lines."""
    words = text.split()
    for size in range(largest, smallest - 1, -4):
        font = _font(role, size)
        lines, current = [], ""
        for word in words:
            candidate = f"{current} {word}".strip()
            if draw.textlength(candidate, font=font) <= width or not current:
                current = candidate
            else:
                lines.append(current)
                current = word
        lines.append(current)
        if len(lines) <= max_lines and all(draw.textlength(line, font=font) <= width for line in lines):
            return font, lines
    return _font(role, smallest), [text]


def _typeset(image: Image.Image, rng: random.Random, layout: str, title: str, artist: str) -> None:
    draw = ImageDraw.Draw(image)
    title_role, artist_role = _TYPE[layout]
    margin = 44
    upper = layout in ("type", "stripes", "rings", "bauhaus") and rng.random() < 0.7
    shown_title = title.upper() if upper else title
    font, lines = _wrap(draw, shown_title, title_role, SIZE - 2 * margin, 76, 28, 3)
    artist_font = _font(artist_role, 26)
    shown_artist = artist.upper() if layout in ("type", "dots", "pixels", "bauhaus") else artist
    if draw.textlength(shown_artist, font=artist_font) > SIZE - 2 * margin:
        artist_font = _wrap(draw, shown_artist, artist_role, SIZE - 2 * margin, 26, 14, 1)[0]
    line_height = int(font.size * 1.08)
    block = line_height * len(lines) + 14 + artist_font.size
    place = rng.choice(("top", "bottom")) if layout not in ("sunset", "waves") else "top"
    if layout == "blobs":
        place = rng.choice(("top", "bottom", "middle"))
    y = margin if place == "top" else (SIZE - block) // 2 if place == "middle" else SIZE - margin - block
    centered = layout in ("sunset", "blobs", "pixels") or (layout == "waves" and rng.random() < 0.5)

    # Ink that stands out from what is under the text, with a soft shadow where the picture is busy.
    region = image.crop((margin, max(0, y - 10), SIZE - margin, min(SIZE, y + block + 10)))
    stats = np.asarray(region.convert("L"), dtype=np.float32)
    brightness, busy = float(stats.mean()) / 255, float(stats.std()) / 255
    ink = (250, 248, 242) if brightness < 0.55 else (22, 22, 26)
    shade = (0, 0, 0) if ink[0] > 128 else (255, 255, 255)
    if busy > 0.18:
        plate = Image.new("RGBA", image.size, (0, 0, 0, 0))
        ImageDraw.Draw(plate).rectangle(
            (0, max(0, y - 22), SIZE, min(SIZE, y + block + 22)), fill=(*shade, 110)
        )
        image.paste(Image.alpha_composite(image.convert("RGBA"), plate).convert("RGB"))
        draw = ImageDraw.Draw(image)

    def text(x_y, value, text_font):
        x, line_y = x_y
        if centered:
            x = (SIZE - draw.textlength(value, font=text_font)) / 2
        draw.text((x + 2, line_y + 2), value, font=text_font, fill=_mix(shade, ink, 0.25))
        draw.text((x, line_y), value, font=text_font, fill=ink)

    artist_first = layout in ("type", "bauhaus", "dots") and rng.random() < 0.5
    if artist_first:
        text((margin, y), shown_artist, artist_font)
        y += artist_font.size + 14
    for line in lines:
        text((margin, y), line, font)
        y += line_height
    if not artist_first:
        text((margin, y + 14), shown_artist, artist_font)

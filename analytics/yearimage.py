"""The year in review as a shareable PNG (1080 x 1350, a phone-story portrait), drawn with Pillow.

Pure drawing: a YearInReview in, PNG bytes out. Fonts: DejaVu Sans when the system has it, else
Pillow's own scalable default font, so the image renders on any server.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from analytics.listener_stats import YearInReview

WIDTH, HEIGHT = 1080, 1350
MARGIN = 80
BACKGROUND_TOP = (38, 20, 74)
BACKGROUND_BOTTOM = (11, 11, 16)
ACCENT = (30, 215, 96)
TEXT = (244, 244, 248)
TEXT_2 = (185, 185, 198)
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        path = Path(folder) / name
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    """Shorten text with an ellipsis until it fits in width pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _background() -> Image.Image:
    gradient = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    top = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND_TOP)
    bottom = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND_BOTTOM)
    return Image.composite(bottom, top, gradient)


def _list(draw, title: str, lines: list[tuple[str, str]], x: int, y: int, width: int) -> int:
    draw.text((x, y), title.upper(), font=_font(26, bold=True), fill=TEXT_2)
    y += 46
    for index, (name, sub) in enumerate(lines, start=1):
        draw.text((x, y), f"{index}", font=_font(34, bold=True), fill=ACCENT)
        draw.text(
            (x + 44, y),
            _fit(draw, name, _font(34, bold=True), width - 44),
            font=_font(34, bold=True),
            fill=TEXT,
        )
        if sub:
            draw.text((x + 44, y + 42), _fit(draw, sub, _font(24), width - 44), font=_font(24), fill=TEXT_2)
            y += 82
        else:
            y += 56
    return y


def year_image_png(review: YearInReview, *, username: str) -> bytes:
    """Return the PNG bytes of a listener's year in review."""
    stats = review.stats
    image = _background()
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, 80), "streamapp", font=_font(32, bold=True), fill=ACCENT)
    draw.text(
        (MARGIN, 130), _fit(draw, f"{username}'s", _font(44), WIDTH - 2 * MARGIN), font=_font(44), fill=TEXT_2
    )
    draw.text((MARGIN, 180), f"{review.year} in music", font=_font(84, bold=True), fill=TEXT)

    y = 320
    figures = [
        (f"{stats.minutes:,}", "minutes"),
        (f"{stats.listens:,}", "listens"),
        (f"{stats.active_days:,}", "days listening"),
    ]
    column = (WIDTH - 2 * MARGIN) // 3
    for index, (value, label) in enumerate(figures):
        x = MARGIN + index * column
        draw.text((x, y), value, font=_font(60, bold=True), fill=TEXT)
        draw.text((x, y + 74), label, font=_font(26), fill=TEXT_2)

    y = 470
    half = (WIDTH - 2 * MARGIN - 40) // 2
    artists = [(line.name, f"{line.listens:,} listens") for line in stats.top_artists[:5]]
    tracks = [(line.name, line.subtitle) for line in stats.top_tracks[:5]]
    bottom_left = _list(draw, "Top artists", artists, MARGIN, y, half)
    bottom_right = _list(draw, "Top tracks", tracks, MARGIN + half + 40, y, half)

    y = max(bottom_left, bottom_right) + 40
    draw.line((MARGIN, y, WIDTH - MARGIN, y), fill=(60, 60, 76), width=2)
    y += 36
    if review.genre_story is not None:
        story = review.genre_story
        draw.text((MARGIN, y), "TOP GENRE", font=_font(26, bold=True), fill=TEXT_2)
        draw.text(
            (MARGIN, y + 40),
            _fit(draw, story.genre.name, _font(54, bold=True), half),
            font=_font(54, bold=True),
            fill=ACCENT,
        )
        draw.text(
            (MARGIN, y + 108), f"{story.share * 100:.0f} % of your genre listens", font=_font(26), fill=TEXT_2
        )
    if review.most_played_day is not None:
        day, listens, _ = review.most_played_day
        x = MARGIN + half + 40
        draw.text((x, y), "BIGGEST DAY", font=_font(26, bold=True), fill=TEXT_2)
        draw.text((x, y + 40), f"{day:%d %B}".lstrip("0"), font=_font(54, bold=True), fill=TEXT)
        draw.text((x, y + 108), f"{listens:,} listens", font=_font(26), fill=TEXT_2)
    if stats.is_empty:
        draw.text((MARGIN, 520), "No listens this year yet.", font=_font(44, bold=True), fill=TEXT)

    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()

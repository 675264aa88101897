"""The Teams app's two icons, drawn with Pillow: a white leaf on the accent colour (192x192)
and the same leaf in white on a transparent background (32x32), as Teams asks for.

The leaf is drawn on a mask eight times larger and scaled down, which smooths its edges
without any font or image file. Pillow writes no timestamp into a PNG, so the same
colour always gives the same bytes. `icon_problems` checks any icon, ours or not,
against the same rules.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageColor, ImageDraw, UnidentifiedImageError

COLOR_SIZE = 192
OUTLINE_SIZE = 32
_SUPERSAMPLE = 8
WHITE = (255, 255, 255)


def color_icon(accent_color: str) -> bytes:
    """192x192 PNG: full-bleed `accent_color` (#RRGGBB) with a white leaf."""
    background = ImageColor.getrgb(accent_color)[:3]
    mask = _leaf_mask(COLOR_SIZE, scale=0.62)
    icon = Image.composite(
        Image.new("RGB", mask.size, WHITE), Image.new("RGB", mask.size, background), mask
    )
    return _png(icon)


def outline_icon() -> bytes:
    """32x32 PNG: a white leaf; everything else fully transparent (Teams tints it)."""
    # The leaf fills more of the small icon: at 32 px a thin margin is all Teams needs.
    mask = _leaf_mask(OUTLINE_SIZE, scale=0.86)
    icon = Image.new("RGBA", mask.size, (*WHITE, 0))
    icon.putalpha(mask)
    return _png(icon)


def _leaf_mask(size: int, *, scale: float) -> Image.Image:
    """An 'L' mask of a leaf pointing up and to the right, with a vein and a short stem;
    255 where the leaf is. `scale` is the leaf's length as a share of the diagonal room."""
    big = size * _SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    centre = big / 2
    half_length = big * scale / 2
    width = 0.42  # the leaf's half-width as a share of its half-length

    def place(x: float, y: float) -> tuple[float, float]:
        # Leaf coordinates (y along the leaf, -1 tip to 1 base) turned 45 degrees.
        angle = math.radians(45)
        px, py = x * half_length, y * half_length
        return (
            centre + px * math.cos(angle) - py * math.sin(angle),
            centre + px * math.sin(angle) + py * math.cos(angle),
        )

    steps = 64
    ys = [-1 + 2 * i / steps for i in range(steps + 1)]
    # x = w(1 - y^2): a lens with pointed ends, the simplest leaf outline.
    right = [place(width * (1 - y * y), y) for y in ys]
    left = [place(-width * (1 - y * y), y) for y in reversed(ys)]
    draw.polygon(right + left, fill=255)
    vein = max(1, round(big * 0.022))
    draw.line([place(0, -0.55), place(0, 0.95)], fill=0, width=vein)
    stem = max(1, round(big * 0.04))
    draw.line([place(0, 0.9), place(0, 1.22)], fill=255, width=stem)
    return mask.resize((size, size), Image.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def icon_problems(file_name: str, data: bytes, *, size: int, outline: bool) -> list[str]:
    """Why Teams would refuse `data` as an icon: not a PNG, not `size` square, or (for the
    outline icon) not white on a transparent background."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as error:
        return [f"{file_name} is not a readable image: {error}"]
    problems: list[str] = []
    if image.format != "PNG":
        problems.append(f"{file_name} must be a PNG, not {image.format}")
    if image.size != (size, size):
        width, height = image.size
        problems.append(f"{file_name} is {width}x{height}; Teams needs {size}x{size}")
    if outline:
        problems.extend(_outline_problems(file_name, image))
    return problems


def _outline_problems(file_name: str, image: Image.Image) -> list[str]:
    """Teams shows the outline icon tinted on its own background: it must be white on
    transparent, so its edge pixels must be fully transparent."""
    has_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
    if not has_alpha:
        return [f"{file_name} has no transparency (mode {image.mode}); it must be RGBA"]
    rgba = image.convert("RGBA")
    width, height = rgba.size
    edge = [(x, y) for x in range(width) for y in (0, height - 1)]
    edge += [(x, y) for y in range(height) for x in (0, width - 1)]
    alpha = rgba.getchannel("A")
    if any(_pixel(alpha, xy) for xy in edge):
        return [f"{file_name} must have a transparent background; its edge is not"]
    if alpha.getbbox() is None:
        return [f"{file_name} is fully transparent: it shows nothing"]
    if width * height <= 64 * 64:  # only worth looking at pixels in an icon of sane size
        data = rgba.tobytes()  # R, G, B, A per pixel
        pixels = (data[i : i + 4] for i in range(0, len(data), 4))
        if any(pixel[3] > 0 and min(pixel[:3]) < 240 for pixel in pixels):
            return [f"{file_name} must be white on transparent; it has other colours"]
    return []


def _pixel(image: Image.Image, xy: tuple[int, int]) -> int:
    value = image.getpixel(xy)
    return value if isinstance(value, int) else 0

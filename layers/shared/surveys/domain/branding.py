"""Brand colours that stay readable: the colour is used for text on white and for white text
on buttons, so it must contrast with white as WCAG 2.2 asks of normal text (1.4.3, AA)."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_BRAND_COLOR = "#1f5fbf"
MINIMUM_CONTRAST = 4.5
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    red, green, blue = (int(color[index : index + 2], 16) for index in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_with_white(color: str) -> float:
    return 1.05 / (relative_luminance(color) + 0.05)


def brand_color_problem(color: str) -> str | None:
    """Why a colour cannot be the brand colour; None when it can."""
    if not _HEX_COLOR.match(color):
        return f"{color!r} is not a colour like #1f5fbf"
    contrast = contrast_with_white(color)
    if contrast < MINIMUM_CONTRAST:
        return (
            f"{color} contrasts {contrast:.1f}:1 with white; text needs at least "
            f"{MINIMUM_CONTRAST}:1, so pick a darker colour"
        )
    return None


@dataclass(frozen=True)
class Branding:
    """How survey emails present the company, from the deploy parameters; a trigger's own
    settings take precedence."""

    company_name: str
    sender_name: str
    sender_address: str
    public_base_url: str

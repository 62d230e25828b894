"""Look of the application: category colours, error colour, fonts, number formatting.

One place for colours so the palette, the canvas nodes (helper E's ``gui/canvas``) and the
summary table agree. Colours are soft pastels so black text stays readable on them.
"""
from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase

# Category -> (r, g, b). Categories come from core.spec.CATEGORIES.
_CATEGORY_RGB: dict[str, tuple[int, int, int]] = {
    "Core": (186, 215, 245),            # blue
    "Convolution": (200, 230, 190),     # green
    "Pooling": (235, 225, 170),         # sand
    "Normalization": (230, 200, 235),   # lilac
    "Recurrent": (250, 205, 170),       # orange
    "Attention": (245, 185, 200),       # pink
    "Merge": (205, 205, 240),           # periwinkle
    "Reshaping": (215, 215, 215),       # grey
    "Regularization": (240, 240, 190),  # pale yellow
    "Activation": (190, 235, 230),      # teal
    "Preprocessing": (225, 215, 195),   # beige
    "Operations": (220, 220, 235),      # slate
}
_UNKNOWN_RGB = (230, 230, 230)

#: Colour of errors: node outline, summary-table text.
ERROR_COLOR = QColor(200, 30, 30)
#: Background of an error row in the summary table.
ERROR_BACKGROUND = QColor(255, 225, 225)
#: Colour of frozen (non-trainable) parameter figures.
FROZEN_COLOR = QColor(70, 110, 180)


def category_color(category: str) -> QColor:
    """The fill colour for a layer of palette category ``category`` (unknown: light grey)."""
    return QColor(*_CATEGORY_RGB.get(category, _UNKNOWN_RGB))


def category_border_color(category: str) -> QColor:
    """A darker shade of :func:`category_color`, for outlines and palette headers."""
    return category_color(category).darker(150)


def monospace_font() -> QFont:
    """The system fixed-width font (shapes and formulas line up)."""
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def format_count(value: int | None) -> str:
    """``1234567`` -> ``"1,234,567"``; ``None`` (unknown) -> ``"?"``; from 10¹⁵ on, a power
    of ten (``core.text.format_number``), so a cell never grows without bound."""
    if value is None:
        return "?"
    from paramlab.core.text import format_number

    return format_number(value)


def format_bytes(n_bytes: int) -> str:
    """Parameter memory as Keras's summary prints it (``"245.93 KB"``); see ``core.summary``."""
    from paramlab.core.summary import format_bytes as core_format_bytes

    return core_format_bytes(n_bytes)

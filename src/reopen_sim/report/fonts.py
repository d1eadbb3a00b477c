"""Fonts for the figures: matplotlib ships no CJK font, so register Noto Sans CJK from PyPI.

The font comes from the ``noto-cjk-sans-otc`` package (Noto Sans CJK Regular collection, SIL Open
Font License 1.1, ~19 MB), installed with reopen-sim: users need no root and no system font. It is
registered with matplotlib's font manager the first time a figure is drawn.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any

# Families tried in order: Latin text in DejaVu Sans (matplotlib's default, always present), then
# Noto Sans CJK SC (Simplified Chinese glyph forms) for the characters DejaVu lacks.
CJK_FAMILY = "Noto Sans CJK SC"
FALLBACK_FAMILIES: tuple[str, ...] = ("DejaVu Sans", CJK_FAMILY)


@lru_cache(maxsize=1)
def register_cjk_font() -> str | None:
    """Add the bundled Noto Sans CJK collection to matplotlib; return its path (None if not installed)."""
    from matplotlib import font_manager

    try:
        import noto_cjk_sans_otc
    except ImportError:  # pragma: no cover - a dependency; warn rather than fail the report
        warnings.warn(
            "noto-cjk-sans-otc is not installed: Chinese text in figures will not render", stacklevel=2
        )
        return None
    path = str(noto_cjk_sans_otc.FONT_PATH)
    font_manager.fontManager.addfont(path)
    return path


def figure_rc() -> dict[str, Any]:
    """rcParams for report figures: the CJK-capable font stack and reproducible SVG output."""
    register_cjk_font()
    return {
        # Named families, not "sans-serif": a Text keeps this list, so the fallback also works when
        # a figure is drawn later outside this rc context (e.g. shown inline in a notebook).
        "font.family": [*FALLBACK_FAMILIES],
        "axes.unicode_minus": False,
        # Reproducible SVG: fixed id salt, text drawn as paths (renders without the font installed).
        "svg.hashsalt": "reopen-sim",
        "svg.fonttype": "path",
    }

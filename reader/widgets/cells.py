"""Text cut to a number of terminal cells, the cut marked, for every widget that fits a line.

Cells, not characters: a CJK character or an emoji takes two (Rich's `cell_len`).
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size


def clipped(text: str, cells: int) -> str:
    """`text` in at most `cells` cells (at least one), ending in "…" where it was cut."""
    if cell_len(text) <= cells:
        return text
    return set_cell_size(text, max(cells - 1, 0)) + "…"

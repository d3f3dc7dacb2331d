"""The search box: entered by `/` (or a click), never by tab.

Every letter is a command key in the list (j moves, x dismisses), as in less,
vim or mutt, where `/` is how one starts typing a search. Reached by
shift+tab from the list, the box took the next `j` as search text and the list
was filtered under the person's hands; so tab and shift+tab move between the
views, the list and the abstract (as the help says), and the box takes focus
only when opened. It closes (leaves the focus chain) when it loses focus.
"""

from __future__ import annotations

from textual.widgets import Input


class SearchBox(Input):
    _opened = False

    def allow_focus(self) -> bool:
        return self._opened

    def open(self) -> None:
        """Focus the box for typing a search."""
        self._opened = True
        self.focus()

    def on_blur(self) -> None:
        self._opened = False

    def on_mouse_down(self) -> None:
        # A click opens it as `/` does (the screen focuses only what allows focus).
        self.open()

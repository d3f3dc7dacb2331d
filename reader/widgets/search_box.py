"""The search box: entered by `/` (or a click), never by tab; a paste keeps all its lines.

Every letter is a command key in the list (j moves, x dismisses), as in less,
vim or mutt, where `/` is how one starts typing a search. Reached by
shift+tab from the list, the box took the next `j` as search text and the list
was filtered under the person's hands; so tab and shift+tab move between the
views, the list and the abstract (as the help says), and the box takes focus
only when opened. It closes (leaves the focus chain) when it loses focus.

Textual's Input keeps a paste's first line only; `~` followed by a pasted
abstract (copied from a PDF or a web page, broken into lines) must search by all
of it, so the lines are joined with spaces.

Each keystroke's text is repainted without a layout pass: Input keeps the text's
width as its virtual size (how far it scrolls sideways), a reactive that lays
out the whole screen when it changes, though the box is one row as wide as the
list whatever it holds.
"""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input

from reader.text import one_line


class SearchBox(Input):
    _opened = False
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def allow_focus(self) -> bool:
        return self._opened

    def open(self) -> None:
        """Focus the box for typing a search, at once.

        Not `focus()`, which waits for the message queue: the keys typed or
        pasted right after `/` must find the box focused, not the list.
        """
        self._opened = True
        self.screen.set_focus(self)

    def on_blur(self) -> None:
        self._opened = False

    def on_mouse_down(self) -> None:
        # A click opens it as `/` does (the screen focuses only what allows focus).
        self.open()

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # Input's own handler would insert the first line only
        super()._on_paste(events.Paste(one_line(event.text)))
        event.stop()

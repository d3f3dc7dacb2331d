"""The sidebar: the standard views with their counts, the saved searches (1-9 recall them), the tags.

A saved search with papers fetched since it was last opened that it matches
shows how many ("mamba +3"), until it is opened.

It lists what the screen gives it and says which view was picked; it never
reads the library itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.actions import SIDEBAR
from reader.text import one_line
from reader.views import STANDARD, RelatedTo, Saved, Tag, View
from reader.widgets.bindings import bindings
from reader.widgets.cells import clipped


class Sidebar(OptionList):
    BINDINGS = bindings(SIDEBAR)  # j k g G as in the list, by its ids: one settings.toml line rebinds both

    @dataclass
    class Picked(Message):
        view: View

    def __init__(self, **kwargs) -> None:
        super().__init__(markup=False, **kwargs)
        self._views: dict[str, View] = {}  # by option id: str(view)
        self._rows: list[tuple[View, str, str]] = []  # (view, label, count) each

    def show(
        self, current: View, counts: Mapping[str, int], saved: Sequence[Saved], tags: Mapping[str, int], alerts: Mapping[str, int]
    ) -> None:
        """List the views with `counts` (Library.view_counts), the saved searches with their
        `alerts` (Library.search_alerts) and the `tags` with theirs; highlight `current`."""
        rows: list[tuple[View, str, str]] = [(view, view.label, f" {counts[view.name]}") for view in STANDARD]
        rows += [(view, f"{n if n <= 9 else ' '} {view.label}", _alert(alerts.get(view.name))) for n, view in enumerate(saved, 1)]
        rows += [(Tag(tag), Tag(tag).label, f" {n}") for tag, n in sorted(tags.items())]
        if isinstance(current, RelatedTo):
            rows.append((current, current.label, ""))
        self._rows = [(view, one_line(label), count) for view, label, count in rows]
        self._views = {str(view): view for view, _, _ in rows}
        ids = list(self._views)
        self._list(ids.index(str(current)) if str(current) in ids else self.highlighted or 0)

    def on_resize(self) -> None:
        self._list(self.highlighted)

    def _list(self, highlighted: int | None) -> None:
        """The rows, one line each at the sidebar's width: a long name (a tag's, a saved
        search's: the person's words) ends in "…" before its count, which stays whole."""
        width = self.scrollable_content_region.width - self.get_component_styles("option-list--option").padding.width
        self.clear_options()
        self.add_options([Option(_one_row(label, count, width), id=str(view)) for view, label, count in self._rows])
        self.highlighted = highlighted

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Picked(self._views[event.option.id]))


def _one_row(label: str, count: str, width: int) -> str:
    """`label` then `count` in `width` cells (unknown before the first layout: 0), the label cut with "…"."""
    room = width - cell_len(count)
    if width <= 0 or cell_len(label) <= room:
        return label + count
    return clipped(label, max(room, 2)) + count


def _alert(count: int | None) -> str:
    return f" +{count}" if count else ""

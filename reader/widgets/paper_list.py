"""The paper list: renders only the rows on screen, so 100 or 100,000 rows cost the same.

Textual's OptionList and DataTable build every row up front (12 s for 100k rows
here); this widget keeps a list of ids and draws each visible line on demand.

Right of the title, facts people triage by, each in a fixed width so the rows
line up: first author, upvotes (or the first arXiv category), date. Each has the
list width it needs: in 80 columns only the date is added, so the title keeps
most of the row; from 120 all three are shown.

Closest matches (a search's papers that miss some of its words) follow a divider
line. The divider is a line, not a row: the cursor counts rows (ids), so no key
can land on it, and only drawing, clicks and scrolling map rows to lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.actions import LIST
from reader.citation import split_name
from reader.listed import listed_among
from reader.models import Paper, PaperState
from reader.search import closest_divider
from reader.tex import tex_to_text
from reader.text import one_line
from reader.widgets.bindings import bindings
from reader.widgets.cells import clipped
from reader.words import highlight_spans


@dataclass(frozen=True)
class RowData:
    """What one row shows; the list asks the app for it, so the widget never owns papers."""

    paper: Paper
    state: PaperState


@dataclass(frozen=True)
class Column:
    """A fact drawn right of the title."""

    cells: int
    from_width: int  # the list's width from which it is shown
    text: Callable[[Paper], str]
    right: bool = False  # numbers line up on the right


def _first_surname(paper: Paper) -> str:
    return split_name(paper.authors[0])[0] if paper.authors else ""


def _upvotes_or_category(paper: Paper) -> str:
    if paper.upvotes is not None:
        return f"▲ {paper.upvotes}"
    return paper.categories[0] if paper.categories else ""


# Left to right. The list is 59 columns wide in an 80-column terminal, 99 in 120.
COLUMNS = (
    Column(12, 90, _first_surname),
    Column(7, 80, _upvotes_or_category, right=True),
    Column(10, 50, lambda paper: paper.date),
)


def facts(paper: Paper, width: int) -> str:
    """The columns a row `width` wide shows, each after a space, in its own width;
    none for a paper with none of these facts (its title takes the row)."""
    shown = [(column, one_line(column.text(paper))) for column in COLUMNS if width >= column.from_width]
    if not any(text for _, text in shown):
        return ""
    return "".join(" " + _fitted(text, column.cells, column.right) for column, text in shown)


def _fitted(text: str, cells: int, right: bool) -> str:
    text = clipped(text, cells)
    padding = " " * (cells - cell_len(text))
    return padding + text if right else text + padding


class PaperList(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {
        "paper-list--cursor",
        "paper-list--unread",
        "paper-list--read",
        "paper-list--bookmark",
        "paper-list--tags",
        "paper-list--match",
        "paper-list--selected",
        "paper-list--divider",
        "paper-list--facts",
    }

    BINDINGS = bindings(LIST)  # ids and keys: reader.actions

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Highlighted(Message):
        def __init__(self, paper_id: str | None) -> None:
            super().__init__()
            self.paper_id = paper_id

    class Opened(Message):
        def __init__(self, paper_id: str) -> None:
            super().__init__()
            self.paper_id = paper_id

    class SelectionChanged(Message):
        def __init__(self, count: int, ranging: bool) -> None:
            super().__init__()
            self.count = count
            self.ranging = ranging

    def __init__(self, row_data: Callable[[str], RowData | None], **kwargs) -> None:
        """`row_data(id)`: what the row shows; None for a paper no longer in the library
        (listed until the screen hears of its removal): a blank row."""
        super().__init__(**kwargs)
        self._row_data = row_data
        self.ids: Sequence[str] = ()
        self.terms: frozenset[str] = frozenset()
        self.closest_from: int | None = None  # the first closest match's row: the divider is drawn above it
        self._render_row = lru_cache(maxsize=512)(self._render_row_uncached)
        self.selected: set[str] = set()
        # Range selection (`v`), as vim's visual mode: rows from the anchor to the
        # cursor are selected on top of what was selected before it started.
        self._anchor: int | None = None
        self._before_range: set[str] = set()

    # -- data ---------------------------------------------------------------

    def show(
        self, ids: Sequence[str], terms: frozenset[str] = frozenset(), keep: str | None = None, closest_from: int | None = None
    ) -> None:
        """Replace the rows; the cursor stays on `keep` when it is still listed.
        A selection is kept only for the rows still listed. `closest_from`: the rows
        from there on are closest matches, after a divider."""
        self.ids = ids
        self.closest_from = closest_from if closest_from is not None and closest_from < len(ids) else None
        self._anchor = None
        if self.selected:
            self._set_selection(listed_among(ids, self.selected))
        self.terms = terms
        self._render_row.cache_clear()
        self._set_rows(self._line_count())
        position = 0
        if keep is not None:
            try:
                position = ids.index(keep)
            except ValueError:
                position = 0
        self.cursor = position
        self.scroll_to(y=max(0, self._line_of(position) - self.size.height // 2), animate=False, immediate=True)
        self.refresh()

    def _line_count(self) -> int:
        return len(self.ids) + (self.closest_from is not None)

    def _line_of(self, row: int) -> int:
        return row + (self.closest_from is not None and row >= self.closest_from)

    def _row_at(self, line: int) -> int | None:
        """The row drawn on `line`, None on the divider."""
        closest_from = self.closest_from
        if closest_from is None or line < closest_from:
            return line
        return None if line == closest_from else line - 1

    def _set_rows(self, count: int) -> None:
        # Assigning virtual_size lays out the whole screen again (it is a layout
        # reactive): a third of a replace's cost. The list's size on screen does not
        # depend on its rows, so only its scroll range and scrollbar are updated;
        # a scrollbar appearing or going still changes the width, and lays out.
        size = Size(self.size.width, count)
        if size == self.virtual_size:
            return
        had_scrollbar = self.show_vertical_scrollbar
        self.set_reactive(PaperList.virtual_size, size)
        self._scroll_update(size)
        if self.show_vertical_scrollbar != had_scrollbar:
            self.refresh(layout=True)

    def repaint_rows(self) -> None:
        """Repaint after state changed (markers and tags are drawn from it)."""
        self._render_row.cache_clear()
        self.refresh()

    @property
    def current(self) -> str | None:
        return self.ids[self.cursor] if 0 <= self.cursor < len(self.ids) else None

    def move_to(self, paper_id: str) -> bool:
        try:
            self.cursor = self.ids.index(paper_id)
        except ValueError:
            return False
        return True

    # -- selection ------------------------------------------------------------

    def _set_selection(self, selected: set[str]) -> None:
        self.selected = selected
        self.repaint_rows()
        self.post_message(self.SelectionChanged(len(selected), self._anchor is not None))

    def clear_selection(self) -> None:
        self._anchor = None
        self._set_selection(set())

    def action_toggle_selected(self) -> None:
        current = self.current
        if current is not None:
            self._anchor = None
            self._set_selection(self.selected ^ {current})
            self.cursor += 1  # as in mutt: select, select, select

    def action_select_range(self) -> None:
        if self._anchor is not None:
            self._anchor = None  # the range stays selected
            self._set_selection(self.selected)
        elif self.ids:
            self._anchor, self._before_range = self.cursor, set(self.selected)
            self._extend_range()

    def _extend_range(self) -> None:
        assert self._anchor is not None
        low, high = sorted((self._anchor, self.cursor))
        self._set_selection(self._before_range | set(self.ids[low : high + 1]))

    def action_select_all(self) -> None:
        self._anchor = None
        self._set_selection(set(self.ids))

    # -- cursor -------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.ids) - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        line = self._line_of(new)
        # The first closest match brings its divider into view with it.
        above = 1 if new == self.closest_from else 0
        self.scroll_to_region(Region(0, line - above, 1, 1 + above), animate=False, immediate=True, force=True)
        self.refresh_lines(self._line_of(old))
        self.refresh_lines(line)
        if self._anchor is not None:
            self._extend_range()
        self.post_message(self.Highlighted(self.current))

    def top_at(self, row: int) -> None:
        """The cursor on `row`, shown at the top of the list, the rows after it below (a day's papers)."""
        self.cursor = row
        self.scroll_to(y=self._line_of(self.cursor), animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.ids) - 1

    def action_page_down(self) -> None:
        self.cursor += max(1, self.size.height - 1)

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.size.height - 1)

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Opened(self.current))

    def on_click(self, event: events.Click) -> None:
        row = self._row_at(event.y + int(self.scroll_offset.y))
        if row is not None and 0 <= row < len(self.ids):
            self.cursor = row

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self._line_count())
        self._render_row.cache_clear()

    # -- drawing ------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        row = self._row_at(y + int(self.scroll_offset.y))
        width = self.scrollable_content_region.width  # without the scrollbar
        if row is None:
            return self._render_divider(width)
        if row >= len(self.ids):
            return Strip.blank(width, self.rich_style)
        # The cursor row stays marked while typing in the search box, so the
        # person still sees which paper the abstract pane shows.
        paper_id = self.ids[row]
        return self._render_row(paper_id, width, row == self.cursor, paper_id in self.selected)

    def _render_divider(self, width: int) -> Strip:
        line = Text(f"── {closest_divider(self.closest_from or 0)} ", style=self.get_component_rich_style("paper-list--divider"))
        line.append("─" * max(0, width - line.cell_len))
        line.truncate(width, overflow="ellipsis")
        base = self.rich_style
        segments = [Segment(s.text, base + s.style if s.style else base) for s in line.render(self.app.console)]
        return Strip(segments).extend_cell_length(width, base)

    def _render_row_uncached(self, paper_id: str, width: int, is_cursor: bool, is_selected: bool) -> Strip:
        data = self._row_data(paper_id)
        if data is None:
            return Strip.blank(width, self.rich_style)
        state = data.state
        style = self.get_component_rich_style
        marker = Text()
        if self.selected:
            marker.append("▶" if is_selected else " ", style("paper-list--selected"))
        marker.append(
            "×" if state.dismissed else "●" if not state.read else " ",
            style("paper-list--unread" if not state.read else "paper-list--read"),
        )
        marker.append("★" if state.bookmarked else " ", style("paper-list--bookmark"))
        marker.append(" ")
        title = Text(
            one_line(tex_to_text(data.paper.title)), style=style("paper-list--unread" if not state.read else "paper-list--read")
        )
        for start, end in highlight_spans(title.plain, self.terms):
            title.stylize(style("paper-list--match"), start, end)
        line = marker + title
        columns = facts(data.paper, width)
        room = width - cell_len(columns)  # for the title and the tags
        if state.tags:
            tags = one_line(" ".join(f"#{t}" for t in state.tags))
            tag_room = max(8, room // 3)
            tags = clipped(tags, tag_room)
            line.truncate(max(0, room - cell_len(tags) - 1), overflow="ellipsis")
            line.append(" ")
            line.append(tags, style("paper-list--tags"))
        line.truncate(room, overflow="ellipsis", pad=True)
        line.append(columns, style("paper-list--facts"))
        base = self.rich_style
        styled = [(s.text, base + s.style if s.style else base) for s in line.render(self.app.console)]
        if is_cursor:
            # Only the cursor's background and weight: the row keeps its colours.
            cursor = style("paper-list--cursor")
            highlight = Style(bgcolor=cursor.bgcolor, bold=cursor.bold, reverse=cursor.reverse)
            base = base + highlight
            styled = [(text, text_style + highlight) for text, text_style in styled]
        segments = [Segment(text, text_style) for text, text_style in styled]
        return Strip(segments).extend_cell_length(width, base).crop(0, width)

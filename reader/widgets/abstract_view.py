"""The abstract pane: one paper's title, tags, authors, facts and abstract.

At 80x24 the pane has ten rows, so everything above the abstract is one line
each, fitted to the pane's width: the authors that fit and "+12" for the rest,
upvotes, the date and the links folded into "5 links: o" (o: the open key, as
the person has it), the first source shortened. Below the abstract, nothing is
left out: every author, every link (clickable) and every source. A citation line
(venue, DOI) is added above the abstract only when the pane has the rows for it.
The header depends on the pane's size, so a resize draws it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, cast

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from reader.actions import ABSTRACT
from reader.citation import doi_of, venue_of
from reader.export import paper_links
from reader.models import Paper, PaperState, provenance_lines
from reader.tex import tex_to_text
from reader.text import inert, one_line, plural
from reader.widgets.bindings import bindings
from reader.widgets.cells import clipped
from reader.words import highlight_spans

ABSTRACT_ROWS = 2  # the abstract's rows the optional citation line must leave on screen


class KeyHost(Protocol):
    """What the pane asks of the app: reader.app.ReaderApp."""

    def keys_for(self, binding_id: str) -> str: ...


@dataclass(frozen=True)
class Shown:
    paper: Paper
    state: PaperState
    terms: frozenset[str]
    why: str


@dataclass(frozen=True)
class Fit:
    """The pane the header is fitted to."""

    width: int
    rows: int
    open_key: str
    console: Console  # measures how many rows wrapped text takes


class AbstractView(VerticalScroll, can_focus=True):
    BINDINGS = bindings(ABSTRACT)  # the paper list's ids: one settings.toml line rebinds both

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: Shown | None = None

    def compose(self):
        yield Static(id="abstract-body")

    def show(self, paper: Paper | None, state: PaperState | None, terms: frozenset[str] = frozenset(), why: str = "") -> None:
        """`why`: a line above the paper saying why it is listed (related papers)."""
        shown = None if paper is None or state is None else Shown(paper, state, terms, why)
        # A keystroke's list shows its paper, then the cursor's move says so again:
        # the same paper is drawn once (wrapping the abstract is a keystroke's largest draw).
        if shown is None or shown != self._shown:
            self._shown = shown
            self._draw()
        self.scroll_home(animate=False)

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        body = self.query_one("#abstract-body", Static)
        if self._shown is None:
            body.update(Text("No paper selected.", style="dim"))
            return
        body.update(render_paper(self._shown, self._fit(body)))

    def _fit(self, body: Static) -> Fit:
        region = self.scrollable_content_region
        width = region.width
        if (cap := body.styles.max_width) is not None:  # the stylesheet keeps long lines readable
            width = min(width, int(cap.resolve(region.size, self.app.size)))
        open_key = cast(KeyHost, self.app).keys_for("open").split(",")[0]
        return Fit(max(width, 20), region.height, open_key, self.app.console)


def render_paper(shown: Shown, fit: Fit) -> Text:
    """The pane's text. Paper text is appended as plain strings, never parsed as markup."""
    paper, state = shown.paper, shown.state
    lines: list[Text] = []
    if shown.why:
        lines.append(Text(one_line(shown.why), style="bold"))
    lines.append(_highlighted(one_line(tex_to_text(paper.title)), shown.terms, "bold"))
    lines.append(_marks(state))
    names, named = fitted_names(paper.authors, fit.width)
    if names:
        lines.append(_one_row(names, fit.width, "italic"))
    if facts := _facts(paper, fit.open_key):
        lines.append(_one_row(facts, fit.width, ""))
    if paper.sources:
        lines.append(_one_row(_provenance(paper), fit.width, "dim"))
    if state.note:
        note = Text("\nNote: ", style="bold")
        note.append(inert(state.note))
        lines.append(note)
    citation = " · ".join(part for part in (one_line(venue_of(paper)), one_line(doi_of(paper))) if part)
    if citation and _rows(lines, fit) + 1 + 1 + ABSTRACT_ROWS <= fit.rows:  # + the blank line above the abstract
        lines.insert(len(lines) - bool(state.note), _one_row(citation, fit.width, "dim"))
    text = Text("\n").join(lines)
    text.append("\n\n")
    text.append_text(_highlighted(inert(tex_to_text(paper.abstract)), shown.terms, ""))
    text.append_text(_details(paper, all_authors=named < len(paper.authors)))
    return text


def fitted_names(authors: tuple[str, ...], width: int) -> tuple[str, int]:
    """As many names as fit in `width` cells and "+N" for the rest ("A, B, C +12"),
    and how many it names. Reads only the names that fit: a paper may list 3,000."""
    shown: list[str] = []
    used = 0
    for i, author in enumerate(authors):
        name = one_line(tex_to_text(author))
        left = len(authors) - i - 1
        cost = cell_len(name) + (2 if shown else 0) + (len(f" +{left}") if left else 0)
        if used + cost > width:
            break
        shown.append(name)
        used += cell_len(name) + (2 if len(shown) > 1 else 0)
    rest = f" +{len(authors) - len(shown)}" if len(shown) < len(authors) else ""
    if authors and not shown:  # not even the first name fits: cut it
        first = one_line(tex_to_text(authors[0]))
        rest = f" +{len(authors) - 1}" if len(authors) > 1 else ""
        return clipped(first, max(2, width - len(rest))) + rest, 0
    return ", ".join(shown) + rest, len(shown)


def _marks(state: PaperState) -> Text:
    marks = ["dismissed" if state.dismissed else "read" if state.read else "unread"]
    if state.bookmarked:
        marks.append("★ bookmarked")
    text = Text(" · ".join(marks), style="dim")
    if state.tags:
        text.append("   ")
        text.append(one_line(" ".join(f"#{t}" for t in state.tags)), style="bold magenta")
    return text


def _facts(paper: Paper, open_key: str) -> str:
    """Upvotes, how many links `o` offers, the date and the arXiv categories."""
    parts = []
    if paper.upvotes is not None:
        parts.append(f"▲ {paper.upvotes}")
    if links := paper_links(paper):
        parts.append(f"{plural(len(links), 'link')}: {open_key}")
    parts.append(paper.date)
    parts.append(" ".join(paper.categories))
    return one_line(" · ".join(part for part in parts if part))


def _provenance(paper: Paper) -> str:
    """The first source, without its place in the file; its day unless the file's name has it."""
    first = paper.sources[0]
    day = f", {first.date}" if first.date and first.date not in first.file else ""
    more = f" +{len(paper.sources) - 1} more" if len(paper.sources) > 1 else ""
    return one_line(f"from {first.file}{day} ({first.format}){more}")


def _details(paper: Paper, all_authors: bool) -> Text:
    """Below the abstract, what the header folded: every author (when it named only
    some), every link and every source."""
    text = Text()
    if all_authors:
        text.append("\n\nAuthors: ", style="bold")
        text.append(one_line(tex_to_text(", ".join(paper.authors))), style="italic")
    if links := paper_links(paper):
        text.append("\n\nLinks:", style="bold")
        for link in links:
            text.append("\n")
            text.append(link, style=Style(underline=True, link=link))
    if paper.sources:
        text.append("\n\nSources:", style="bold")
        for source in paper.sources:
            date = f", {source.date}" if source.date else ""
            text.append("\n")
            text.append(one_line(f"from {source.file}{date}, #{source.position} ({source.format})"), style="dim")
    if len(paper.sources) > 1 and (given := provenance_lines(paper)):  # one source gave everything otherwise
        text.append("\n\nWhich source gave what:", style="bold")
        for line in given:
            text.append("\n")
            text.append(one_line(line), style="dim")
    return text


def _one_row(plain: str, width: int, style: str) -> Text:
    text = Text(plain, style=style, no_wrap=True, overflow="ellipsis")
    text.truncate(width, overflow="ellipsis")
    return text


def _rows(lines: list[Text], fit: Fit) -> int:
    return sum(len(line.wrap(fit.console, fit.width)) for line in lines)


def _highlighted(plain: str, terms: frozenset[str], style: str) -> Text:
    text = Text(plain, style=style)
    for start, end in highlight_spans(plain, terms):
        text.stylize("bold reverse", start, end)
    return text

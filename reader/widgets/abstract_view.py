"""The abstract pane: one paper's title, tags, provenance, links and abstract."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from reader.actions import ABSTRACT
from reader.models import Paper, PaperState
from reader.tex import tex_to_text
from reader.text import inert, one_line
from reader.widgets.bindings import bindings
from reader.words import highlight_spans


class AbstractView(VerticalScroll, can_focus=True):
    BINDINGS = bindings(ABSTRACT)  # the paper list's ids: one settings.toml line rebinds both

    def compose(self):
        yield Static(id="abstract-body")

    def show(self, paper: Paper | None, state: PaperState | None, terms: frozenset[str] = frozenset(), why: str = "") -> None:
        """`why`: a line above the paper saying why it is listed (related papers)."""
        body = self.query_one("#abstract-body", Static)
        if paper is None or state is None:
            body.update(Text("No paper selected.", style="dim"))
            return
        text = render_paper(paper, state, terms)
        if why:
            text = Text.assemble((one_line(why) + "\n", "bold"), text)
        body.update(text)
        self.scroll_home(animate=False)


def render_paper(paper: Paper, state: PaperState, terms: frozenset[str]) -> Text:
    """The pane's text. Paper text is appended as plain strings, never parsed as markup."""
    text = Text()
    text.append_text(_highlighted(one_line(tex_to_text(paper.title)), terms, "bold"))
    text.append("\n")
    marks = []
    marks.append("dismissed" if state.dismissed else "read" if state.read else "unread")
    if state.bookmarked:
        marks.append("★ bookmarked")
    text.append(" · ".join(marks), style="dim")
    if state.tags:
        text.append("   ")
        text.append(one_line(" ".join(f"#{t}" for t in state.tags)), style="bold magenta")
    text.append("\n")
    if paper.authors:
        shown = ", ".join(paper.authors[:12]) + (f" and {len(paper.authors) - 12} more" if len(paper.authors) > 12 else "")
        text.append(one_line(tex_to_text(shown)), style="italic")
        text.append("\n")
    for source in paper.sources:
        date = f", {source.date}" if source.date else ""
        text.append(one_line(f"from {source.file}{date}, #{source.position} ({source.format})"), style="dim")
        text.append("\n")
    for link in paper.links:
        safe = inert(link)
        text.append(safe, style=Style(underline=True, link=safe))
        text.append("\n")
    if state.note:
        text.append("\nNote: ", style="bold")
        text.append(inert(state.note))
        text.append("\n")
    text.append("\n")
    text.append_text(_highlighted(inert(tex_to_text(paper.abstract)), terms, ""))
    return text


def _highlighted(plain: str, terms: frozenset[str], style: str) -> Text:
    text = Text(plain, style=style)
    for start, end in highlight_spans(plain, terms):
        text.stylize("bold reverse", start, end)
    return text

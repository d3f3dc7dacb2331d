"""A small keyed chooser: what to copy (`y`), which of a paper's links to open (`o`).

One key picks and closes; arrows and enter (or a click) work too; esc cancels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from reader.text import one_line


@dataclass(frozen=True)
class Choice:
    key: str  # the key that picks it ("" for none)
    value: str  # what the screen returns
    label: str


COPY_CHOICES = (
    Choice("t", "title", "title"),
    Choice("u", "url", "arXiv / paper URL"),
    Choice("b", "bibtex", "BibTeX entry"),
    Choice("k", "key", "citation key"),
    Choice("m", "markdown", "Markdown link"),
    Choice("a", "abstract", "abstract"),
)


def link_choices(urls: Sequence[str]) -> list[Choice]:
    """The first nine links get the keys 1-9; any more are reached with the arrows."""
    return [Choice(str(n) if n <= 9 else "", url, url) for n, url in enumerate(urls, 1)]


class PickScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, choices: Sequence[Choice]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self._by_key = {choice.key: choice for choice in self.choices if choice.key}

    def compose(self) -> ComposeResult:
        with Vertical(id="pick-dialog"):
            yield Label(self.title_text, markup=False)
            yield OptionList(
                *(Option(Text.assemble((f"{c.key or ' '} ", "bold"), one_line(c.label))) for c in self.choices),
                id="pick-options",
            )
            yield Label("a key picks · ↑↓ enter · esc cancels", classes="hint")

    def on_key(self, event: events.Key) -> None:
        choice = self._by_key.get(event.key)
        if choice is not None:
            event.stop()
            self.dismiss(choice.value)

    @on(OptionList.OptionSelected, "#pick-options")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index].value)

"""The tag editor: add and remove a paper's tags, completing the tags already in use."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label

from reader.text import one_line


@dataclass(frozen=True)
class TagEdit:
    add: tuple[str, ...]
    remove: tuple[str, ...]


def parse_tag_edit(text: str) -> TagEdit:
    """`deep-rl -survey` adds deep-rl and removes survey."""
    words = text.split()
    return TagEdit(
        add=tuple(w for w in words if not w.startswith("-")),
        remove=tuple(w[1:] for w in words if w.startswith("-") and len(w) > 1),
    )


class LastWordSuggester(Suggester):
    """Completes the word being typed (after the last space) from the known tags."""

    def __init__(self, tags: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.tags = tags

    async def get_suggestion(self, value: str) -> str | None:
        head, _, word = value.rpartition(" ")
        sign = "-" if word.startswith("-") else ""
        stem = word[len(sign) :]
        if not stem:
            return None
        for tag in self.tags:
            if tag.startswith(stem) and tag != stem:
                return f"{head} {sign}{tag}".lstrip() if head else f"{sign}{tag}"
        return None


class TagScreen(ModalScreen[TagEdit | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, current: tuple[str, ...], known: list[str]) -> None:
        super().__init__()
        self.paper_title = title
        self.current = current
        self.known = known

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-dialog"):
            yield Label(one_line(self.paper_title), id="tag-title", markup=False)
            yield Label(
                one_line("Tags: " + (" ".join(f"#{t}" for t in self.current) or "(none)")), id="tag-current", markup=False
            )
            yield Input(
                placeholder="tag  -tag to remove  (→ completes)",
                suggester=LastWordSuggester(self.known),
                id="tag-input",
            )
            yield Label("enter: apply  esc: cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        edit = parse_tag_edit(event.value)
        self.dismiss(edit if edit.add or edit.remove else None)

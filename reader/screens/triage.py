"""Triage, a part of the main screen: one key per decision, saved as one undoable step, then on.

b t r x decide about the current paper, or about every selected one; a
single paper's decision moves on to the next unread paper, a selection's
clears the selection. D removes papers from the library. a writes a note, u
and ctrl+r undo and redo (also after a restart; the main screen then shows
the paper the step changed), n and N find the next unread paper, and the
palette renames or merges a tag.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from reader.library import NOTHING_REMOVABLE
from reader.screens.base import LibraryScreen
from reader.screens.confirm import ConfirmScreen
from reader.screens.messages import DemoPapers, SaveFailed, StepSaved
from reader.screens.note import NoteScreen
from reader.screens.prompt import PromptScreen
from reader.screens.tags import TagEdit, TagScreen
from reader.text import clip_words, plural
from reader.views import Tag
from reader.widgets.paper_list import PaperList


def _count(ids: list[str]) -> str:
    return f" ({len(ids)} papers)" if len(ids) > 1 else ""


class Triage(LibraryScreen):
    def _targets(self) -> list[str]:
        """The selected papers, else the current one (empty, with a message, if neither)."""
        papers = self.papers
        if papers.selected:
            return [pid for pid in papers.ids if pid in papers.selected]
        paper_id = self._current_paper()
        return [paper_id] if paper_id is not None else []

    def decide(self, ids: list[str], change: Callable[[], object], said: str, *, advance: bool = True) -> None:
        """Make `change`, a Library intent on `ids` (one undoable step); then, for a
        single paper, move on to the next unread one (triage), and for a selection,
        clear it. Only a single paper's decision counts for the pace: a bulk step
        is one key for many papers, and would make the pace meaningless."""
        papers = self.papers
        if papers.selected:
            papers.clear_selection()
        elif advance:
            self._jump_unread(1, quiet=True)
        if len(ids) == 1:
            self.status.decided()
        self.save(change, f"saved: {said}")

    def action_bookmark(self) -> None:
        ids = self._targets()
        if ids:
            now = not all(self.library.state_of(pid).bookmarked for pid in ids)
            said = ("bookmarked" if now else "bookmark removed") + _count(ids)
            self.decide(ids, partial(self.library.bookmark, ids, now), said, advance=now)

    def action_toggle_read(self) -> None:
        ids = self._targets()
        if not ids:
            return
        now = not all(self.library.state_of(pid).read for pid in ids)
        said = ("marked read" if now else "marked unread") + _count(ids)
        if now and len(ids) > 1:
            question = f"Mark {len(ids)} papers read? (u undoes it)"
            self._confirm(question, lambda: self.decide(ids, partial(self.library.mark_read, ids), said))
        else:
            self.decide(ids, partial(self.library.mark_read, ids, now), said, advance=now)

    def action_dismiss_papers(self) -> None:
        ids = self._targets()
        if not ids:
            return
        said = "dismissed" + _count(ids)
        if len(ids) > 1:
            question = f"Dismiss {len(ids)} papers (mark them read, out of the inbox)? (u undoes it)"
            self._confirm(question, lambda: self.decide(ids, partial(self.library.dismiss, ids), said))
        else:
            self.decide(ids, partial(self.library.dismiss, ids), said)

    def _confirm(self, question: str, then: Callable[[], None], *, enter_says_no: bool = False) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(question, enter_says_no=enter_says_no), answered)

    def action_remove_papers(self) -> None:
        ids = self._targets()
        if len(ids) > 1:
            question = f"Remove {len(ids)} papers from the library? (u puts them back)"
            self._confirm(question, partial(self.take_out, ids), enter_says_no=True)
        elif ids:
            self.take_out(ids)

    def action_remove_demo(self) -> None:
        # Finding them reads every paper's sources: on the writer thread, as the removal is.
        library = self.library
        self.writer.write(self, library.demo_papers, DemoPapers, lambda error: SaveFailed(str(error)))

    def on_demo_papers(self, found: DemoPapers) -> None:
        if not found.ids:
            self.update_status(NOTHING_REMOVABLE)
            return
        question = f"Remove the {len(found.ids)} demo papers from the library? (u puts them back)"
        self._confirm(question, partial(self.take_out, found.ids), enter_says_no=True)

    def take_out(self, ids: list[str]) -> None:
        """Take the papers out of the library, as one step u puts back (their state too)."""
        if self.papers.selected:
            self.papers.clear_selection()
        self.papers_leaving(ids)
        self.update_status(f"removing {plural(len(ids), 'paper')}…")  # saving it takes seconds at 100k papers
        step = partial(self.library.remove, ids, "removed" + _count(ids))
        gone = tuple(ids)
        self.save_then(step, partial(StepSaved, "removed", gone=gone), gone)

    def action_tags(self) -> None:
        ids = self._targets()
        if not ids:
            return
        library = self.library
        counts = library.tag_counts()
        known = sorted(counts, key=lambda t: (-counts[t], t))  # most used first: the likeliest completion
        if len(ids) == 1:
            title, current = library.get(ids[0]).title, library.state_of(ids[0]).tags
        else:
            title, current = f"{len(ids)} selected papers", ()

        def apply(edit: TagEdit | None) -> None:
            if edit is not None and (edit.add or edit.remove):
                words = [f"+{t}" for t in edit.add] + [f"-{t}" for t in edit.remove]
                self.decide(ids, partial(library.tag, ids, edit.add, edit.remove), "tags " + " ".join(words) + _count(ids))

        self.app.push_screen(TagScreen(title, current, known), apply)

    def action_rename_tag(self) -> None:
        library = self.library
        if not library.tag_counts():
            self.notify("No tags yet (t tags a paper)", timeout=3, markup=False)
            return
        current = f"{self.view.name} " if isinstance(self.view, Tag) else ""

        def rename(text: str | None) -> None:
            words = (text or "").split()
            if len(words) != 2:
                if text:
                    self.notify("Give two tags: the old name, then the new one", timeout=4, markup=False)
                return
            old, new = words
            self.save(partial(library.rename_tag, old, new), lambda n: f"#{old} is now #{new} on {n} papers (u undoes it)")

        # Whole tags, on the lines the dialog wraps the hint to.
        tags = clip_words(" ".join(f"#{t}" for t in sorted(library.tag_counts())), 160)
        hint = f"old new · into a tag that exists: the two merge · {tags}"
        self.app.push_screen(PromptScreen("Rename or merge a tag", placeholder="old new", value=current, hint=hint), rename)

    def action_note(self) -> None:
        paper_id = self._current_paper()
        if paper_id is None:
            return
        paper, state = self.library.get(paper_id), self.library.state_of(paper_id)

        def apply(text: str | None) -> None:
            if text is not None and text.strip() != state.note:
                said = "note" if text.strip() else "note removed"
                self.save(partial(self.library.set_note, paper_id, text), f"saved: {said}")  # not a decision: no pace

        self.app.push_screen(NoteScreen(paper.title, state.note), apply)

    def action_undo(self) -> None:
        self.update_status("undoing…")  # until it is saved: the last step's "u to undo" would say nothing happened
        self.save_then(self.library.undo, partial(StepSaved, "undone"))

    def action_redo(self) -> None:
        self.update_status("redoing…")
        self.save_then(self.library.redo, partial(StepSaved, "redone"))

    def action_next_unread(self) -> None:
        self._jump_unread(1)

    def action_previous_unread(self) -> None:
        self._jump_unread(-1)

    def _jump_unread(self, step: int, *, quiet: bool = False) -> None:
        papers = self.papers
        ids = papers.ids
        positions = range(papers.cursor + 1, len(ids)) if step > 0 else range(papers.cursor - 1, -1, -1)
        for position in positions:
            if not self.library.state_of(ids[position]).read:
                papers.cursor = position
                return
        if not quiet:
            self.notify("No more unread papers " + ("below" if step > 0 else "above"), timeout=2, markup=False)

    def action_select_all(self) -> None:
        self.papers.action_select_all()

    def on_paper_list_selection_changed(self, event: PaperList.SelectionChanged) -> None:
        if event.count or event.ranging:
            how = " (v: range on; move to extend, v again to stop)" if event.ranging else ""
            self.update_status(f"{event.count} selected{how}: b t r x D e apply to them · esc clears")
        else:
            self.update_status()

"""What the workers say when they are done: each a dataclass message.

Blocking work (loading, searching, finding related papers, writing,
exporting) runs off the UI thread and posts one of these to the screen that
asked; its handler shows the outcome. `can_replace` lets a newer message of
the same kind stand in for one still waiting: only the latest is worth showing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message
from textual.notifications import SeverityLevel

from reader.history import Entry
from reader.importing import LibraryReload
from reader.library import Library
from reader.related import Related
from reader.search import SearchResult, Sort


@dataclass
class LoadStep(Message):
    """Loading has reached `step` (e.g. "reading the papers")."""

    step: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadStep)


@dataclass
class LoadFailed(Message):
    error: str


@dataclass
class LibraryLoaded(Message):
    """The library is open, its search index read back if the home holds it (else the
    main screen has it built meanwhile: `Library.index_ready`). `warnings`: caches
    rebuilt while loading; `searches_error`: why the saved searches could not be read
    (None if they could)."""

    library: Library
    saved: dict[str, str]
    warnings: list[str]
    searches_error: str | None


@dataclass
class PapersRescued(Message):
    """The papers are read again from library.json, a paper file found damaged as the
    list drew: `error` says why they could not be (None: they are); `warnings`: the
    rescue's, saying what was rebuilt."""

    warnings: list[str]
    error: str | None = None


@dataclass
class IndexReady(Message):
    """The search index's build is over: `error` says why it failed (None: it is built);
    `warnings`: a damaged cache it replaced, each said once."""

    warnings: list[str]
    error: str | None = None


@dataclass
class SearchDone(Message):
    """The result of the search numbered `generation` (a newer one makes it stale),
    made in the order `sort`."""

    result: SearchResult
    generation: int
    sort: Sort

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SearchDone)


@dataclass
class RelatedFound(Message):
    paper_id: str
    found: list[Related]


@dataclass
class StateSaved(Message):
    """A state change is on disk: `said` in the status line; each of `warnings` in a notification."""

    said: str
    warnings: list[str]


@dataclass
class StepSaved(Message):
    """A removal, an undo or a redo is on disk. `kind`: "removed", "undone" or
    "redone"; `step`: the history entry it made or moved (None: there was none to
    move, or nothing to remove); each of `warnings` in a notification; `gone`: the
    papers a removal took off the list when it was asked for."""

    kind: str
    step: Entry | None
    warnings: list[str]
    gone: tuple[str, ...] = ()


@dataclass
class DemoPapers(Message):
    """The library's demo papers (Library.demo_papers), found on the writer thread."""

    ids: list[str]


@dataclass
class SaveFailed(Message):
    error: str
    gone: tuple[str, ...] = ()  # a removal's papers, off the list while it was being saved


@dataclass
class SearchSaved(Message):
    name: str
    query: str


@dataclass
class SearchDeleted(Message):
    name: str


@dataclass
class StateReloaded(Message):
    """Another reader changed the state on disk; the library has read it back."""


@dataclass
class PapersReloaded(Message):
    """Another reader imported (or this one's fetch): `reload` holds library.json as it
    left it, read and indexed; `said`, if given, the status line's words for it."""

    reload: LibraryReload
    said: str | None = None


@dataclass
class Progress(Message):
    """A fetch or a download is under way: `line` for the status line."""

    line: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, Progress)


@dataclass
class Fetched(Message):
    """A fetch ended: `said` sums it up; `failures`, a line per feed that stopped short;
    `changed`, whether papers arrived or changed; `alerts`, saved search -> new matches
    (None: not counted, the fetch failed)."""

    said: str
    failures: list[str]
    changed: bool
    alerts: dict[str, int] | None


@dataclass
class AlertsCounted(Message):
    """Saved search -> papers fetched since it was last opened that it matches (those > 0)."""

    alerts: dict[str, int]


@dataclass
class PdfReady(Message):
    path: Path


@dataclass
class Exported(Message):
    count: int
    path: Path
    format: str


@dataclass
class LockWait(Message):
    """A write waits for the lock another reader holds: `text` says whose."""

    text: str


@dataclass
class Refused(Message):
    """Something asked for did not happen: said in a notification titled `title`."""

    title: str
    error: str
    severity: SeverityLevel = "error"

"""`Library.papers`: the papers by id, read from paper files as they are asked for.

At 1M papers, a dict of `Paper` objects held 3.5 GB and took 8 s to build at
each start. A PaperTable holds none: it looks an id up in the mapped paper files
(see `snapshot.PaperFile`) and decodes that one paper, keeping the last few
hundred decoded (a screen asks for the same rows again and again). So `len`,
`in` and iterating the ids decode nothing; only the values do, one by one.

Papers changed in memory (an import merging, adding) go to `changed`, over the
files, until the import is saved and its paper file written; the mapping then
reads as a dict that was changed so: a paper replaced keeps its place, a new
one comes after all others.

Several files chain (the record as segments, each with its paper file): a later
file's paper replaces an earlier one's of the same id, in the earlier one's
place, and its new papers come after the earlier files' papers. What a later
file replaces is found once, when the table is made (a look-up per paper of the
later files, which are the small ones).

A record found damaged when it is read (zstd's checksum failed) was written
right and damaged on disk since: `rescue`, if given, reads the papers from
library.json again (which writes the paper file again), once, and the table goes
on with what it read (the rescue says so). Without `rescue`, Damaged is raised,
as it is to `get_unrescued` (the app's drawing: a worker rescues).
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, MutableSequence, Sequence, ValuesView
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np

from reader import snapshot
from reader.marshalfile import Damaged
from reader.models import Paper
from reader.snapshot import PaperFile
from reader.spill import Spill

_T = TypeVar("_T")

_KEEP = 512  # decoded papers kept: a screen's rows many times over, a few hundred KB


class PaperTable(Mapping[str, Paper]):
    def __init__(
        self,
        files: Sequence[PaperFile] = (),
        changed: Mapping[str, Paper] | None = None,
        *,
        rescue: Callable[[Damaged], PaperTable] | None = None,
    ):
        self._files = list(files)
        # For each file after the first: its records that add a paper (the others replace one).
        self._fresh: list[list[int]] = [[]] + [self._adding(k) for k in range(1, len(self._files))]
        self._count = sum(len(f) for f in self._files[:1]) + sum(map(len, self._fresh))
        self._changed: dict[str, Paper] | Spill = {}
        self._added: list[str] = []  # the ids in _changed that no file has, in the order they came
        self._decoded: OrderedDict[str, Paper] = OrderedDict()
        self._lock = threading.Lock()
        self.rescue = rescue
        for paper_id, paper in (changed or {}).items():
            self[paper_id] = paper

    @classmethod
    def of(cls, papers: Iterable[Paper]) -> PaperTable:
        """A table of papers held in memory (no paper file)."""
        return cls((), {paper.id: paper for paper in papers})

    def _adding(self, k: int) -> list[int]:
        earlier = self._files[:k]
        return [r for r, pid in enumerate(self._files[k].iter_ids()) if not any(f.record_of(pid) is not None for f in earlier)]

    def copy(self) -> PaperTable:
        """The same papers; a change to either is not seen by the other."""
        table = PaperTable.__new__(PaperTable)
        table.__dict__.update(self.__dict__)
        table._changed, table._added = self._changed.copy(), list(self._added)
        table._decoded, table._lock = OrderedDict(), threading.Lock()
        return table

    def spilling(self, folder: Path) -> PaperTable:
        """A copy whose papers changed from now on (an import's) are kept in a temp file
        in `folder` (see `spill`), not in the heap; those changed so far go there too."""
        table = self.copy()
        if not isinstance(table._changed, Spill):  # a spill's copy shares its file: its papers are not written again
            spill = Spill(folder)
            spill.update(table._changed)
            table._changed = spill
        return table

    def _changed_date(self, paper_id: str) -> str:
        changed = self._changed
        return changed.date_of(paper_id) if isinstance(changed, Spill) else changed[paper_id].date

    # -- the mapping ----------------------------------------------------------------

    def __len__(self) -> int:
        return self._count + len(self._added)

    def __contains__(self, paper_id: object) -> bool:
        return isinstance(paper_id, str) and (paper_id in self._changed or self._where(paper_id) is not None)

    def __getitem__(self, paper_id: str) -> Paper:
        return self._get(paper_id, rescue=True)

    def get_unrescued(self, paper_id: str) -> Paper | None:
        """As `get`, but a damaged record raises Damaged instead of being rescued here:
        the rescue reads library.json again (seconds at 100k papers), which a thread
        that must answer at once (the app's, drawing rows) leaves to a worker, reading
        the paper with `get`."""
        try:
            return self._get(paper_id, rescue=False)
        except KeyError:
            return None

    def _get(self, paper_id: str, *, rescue: bool) -> Paper:
        if (paper := self._changed.get(paper_id)) is not None:
            return paper
        with self._lock:
            if (paper := self._decoded.get(paper_id)) is not None:
                self._decoded.move_to_end(paper_id)
                return paper
        where = self._where(paper_id) if isinstance(paper_id, str) else None
        if where is None:
            raise KeyError(paper_id)
        paper = self._decode(*where, rescue=rescue)
        with self._lock:
            self._decoded[paper_id] = paper
            if len(self._decoded) > _KEEP:
                self._decoded.popitem(last=False)
        return paper

    def __iter__(self) -> Iterator[str]:
        """The ids in the library's order (see the module's docstring)."""
        if not self._files:
            return iter(self._added)
        return chain(self._files[0].iter_ids(), *self._iter_later())

    def ids(self) -> list[str]:
        """`list(self)`, faster: the first file's ids are decoded all at once."""
        if not self._files:
            return list(self._added)
        return self._files[0].ids() + list(chain.from_iterable(self._iter_later()))

    def dates(self) -> list[str]:
        """Each paper's `Paper.date`, in the library's order, from the files' date
        columns (the newest-first order needs every one; decoding every paper for it
        took seconds a 100k papers): only papers replaced or added since are read."""
        if not self._files:
            return list(map(self._changed_date, self._added))
        dates = self._files[0].dates()
        replaced: dict[str, str] = {}
        for file, fresh in zip(self._files[1:], self._fresh[1:], strict=True):
            file_dates, adding = file.dates(), set(fresh)
            dates += [file_dates[record] for record in fresh]
            replaced.update((file.id_at(r), file_dates[r]) for r in range(len(file)) if r not in adding)
        replaced.update((pid, self._changed_date(pid)) for pid in self._changed)
        if replaced:
            for place, paper_id in enumerate(self.ids()[: self._count]):
                if paper_id in replaced:
                    dates[place] = replaced[paper_id]
        return dates + list(map(self._changed_date, self._added))

    def _iter_later(self) -> Iterator[Iterable[str]]:
        yield from (map(f.id_at, fresh) for f, fresh in zip(self._files[1:], self._fresh[1:], strict=True))
        yield self._added

    def values(self) -> ValuesView[Paper]:
        return _Values(self)

    def items(self) -> ItemsView[str, Paper]:
        return _Items(self)

    def _in_order(self) -> Iterator[tuple[str, Paper]]:
        """(id, paper) in the library's order, each file read straight through: a
        whole pass (an import's save, an export) looks no id up and keeps none. The
        table as it was when the pass began: a rescue on the way (see _decode) only
        changes where a damaged record's paper is read from."""
        files, fresh, changed, added = self._files, self._fresh, self._changed, self._added
        numbers_of: list[Sequence[int]] = [range(len(f)) for f in files[:1]]
        for file, numbers in zip(files, [*numbers_of, *fresh[1:]], strict=True):
            for record in numbers:
                paper_id = file.id_at(record)
                if paper_id in changed:
                    yield paper_id, changed[paper_id]
                else:
                    where = self._where(paper_id) if len(files) > 1 else None
                    yield paper_id, self._decode(*(where or (file, record)))
        yield from ((paper_id, changed[paper_id]) for paper_id in added)

    def __setitem__(self, paper_id: str, paper: Paper) -> None:
        self.put(paper_id, paper)

    def put(self, paper_id: str, paper: Paper, record: bytes | None = None) -> None:
        """`self[paper_id] = paper`; `record`, if given, the record `paper` was decoded
        from, which a temp file keeps as it is (see `Spill.put`)."""
        added = paper_id not in self._changed and self._where(paper_id) is None
        # First: a spill's full disk leaves no id without its paper.
        if record is not None and isinstance(self._changed, Spill):
            self._changed.put(paper_id, paper, record)
        else:
            self._changed[paper_id] = paper
        if added:
            self._added.append(paper_id)

    # -- positions: the papers as `list(self.values())` ---------------------------------

    def in_order(self) -> Papers:
        """The papers in the library's order, as a sequence that decodes an item when
        asked; of the table as it is now (a copy: the library's goes on changing)."""
        return Papers(self.copy())

    def at(self, place: int) -> Paper:
        """The paper at `place` (0 <= place < len(self)) in the library's order, decoded
        and not kept: its reader (the search index) reads many and keeps what it needs."""
        files = self._files
        if len(files) == 1 and place < len(files[0]) and not self._changed:  # no id to look up
            return self._decode(files[0], place)
        if not files:  # an import's, held in memory or its temp file
            return self._changed[self._added[place]]
        paper_id = self.id_at(place)
        where = None if paper_id in self._changed else self._where(paper_id)
        return self._decode(*where) if where is not None else self[paper_id]

    def record_at(self, place: int) -> bytes:
        """`snapshot.record` of the paper at `place`: as held, for an import's papers
        in its temp file (a paper file is written from them without decoding them)."""
        held = self._held_record(place)
        return held if held is not None else snapshot.record(self.at(place))

    def dict_at(self, place: int) -> dict[str, Any]:
        """`at(place).to_dict()`: for an import's papers in its temp file, made from the
        record as held, without the Paper (see `snapshot.record_dict`)."""
        held = self._held_record(place)
        return snapshot.record_dict(held) if held is not None else self.at(place).to_dict()

    def _held_record(self, place: int) -> bytes | None:
        """The record of the paper at `place` as an import's temp file holds it; None if it is not held so."""
        if not self._files and isinstance(self._changed, Spill):
            return self._changed.record(self._added[place])
        return None

    def held_places(self) -> tuple[int, array[int], array[int]] | None:
        """Where an import's temp file holds every paper's record, in the library's order
        (see `Spill.places`); None if not all are held so (some lie in paper files)."""
        if not self._files and isinstance(self._changed, Spill):
            return self._changed.places(self._added)
        return None

    def id_at(self, place: int) -> str:
        """The id at `place` (0 <= place < len(self)) in the library's order."""
        if self._files:
            if place < len(self._files[0]):
                return self._files[0].id_at(place)
            place -= len(self._files[0])
            for file, fresh in zip(self._files[1:], self._fresh[1:], strict=True):
                if place < len(fresh):
                    return file.id_at(fresh[place])
                place -= len(fresh)
        return self._added[place]

    def place_of(self, paper_id: str) -> int | None:
        """The place of the paper `paper_id` in the library's order (`id_at`'s inverse), by
        the files' look-up by id; None if there is no such paper."""
        start = 0
        for k, file in enumerate(self._files):
            if (record := file.record_of(paper_id)) is not None:
                # A later file's paper that no earlier file has is one it adds.
                return record if k == 0 else start + bisect_left(self._fresh[k], record)
            start += len(file) if k == 0 else len(self._fresh[k])
        return self._count + self._added.index(paper_id) if paper_id in self._changed else None

    # -- reading ------------------------------------------------------------------------

    def _where(self, paper_id: str) -> tuple[PaperFile, int] | None:
        """The file and record of the paper: the last file that has it."""
        for file in reversed(self._files):
            if (record := file.record_of(paper_id)) is not None:
                return file, record
        return None

    def _decode(self, file: PaperFile, record: int, *, rescue: bool = True) -> Paper:
        try:
            return file.paper(record)
        except Damaged as error:
            rescued = not any(f is file for f in self._files)  # a whole pass goes on through the file it began
            if not rescued:
                if self.rescue is None or not rescue:
                    raise
                self._rescued(self.rescue, error)
            return self[file.id_at(record)]

    def _rescued(self, rescue: Callable[[Damaged], PaperTable], error: Damaged) -> None:
        """Go on with the papers `rescue` read from library.json instead of the damaged file's."""
        self.rescue = None  # once: what it gives is not rescued again
        papers, changed = rescue(error), self._changed
        self._files, self._fresh, self._count = papers._files, papers._fresh, papers._count
        self._changed, self._added = papers._changed.copy(), list(papers._added)
        for paper_id, paper in changed.items():
            self[paper_id] = paper


class _Values(ValuesView[Paper]):
    _mapping: PaperTable

    def __iter__(self) -> Iterator[Paper]:
        return (paper for _, paper in self._mapping._in_order())


class _Items(ItemsView[str, Paper]):
    _mapping: PaperTable

    def __iter__(self) -> Iterator[tuple[str, Paper]]:
        return self._mapping._in_order()


class Papers(Sequence[Paper]):
    """A PaperTable's papers by place, each decoded when asked for (the search index
    holds one, so that a start reads no paper it does not show)."""

    def __init__(self, table: PaperTable):
        self.table = table

    def __len__(self) -> int:
        return len(self.table)

    @overload
    def __getitem__(self, place: int) -> Paper: ...
    @overload
    def __getitem__(self, place: slice) -> Sequence[Paper]: ...
    def __getitem__(self, place: int | slice) -> Paper | Sequence[Paper]:
        if isinstance(place, slice):
            return [self[i] for i in range(*place.indices(len(self)))]
        if place < 0:
            place += len(self)
        return self.table.at(place)

    def ids(self) -> list[str]:
        return self.table.ids()

    def dates(self) -> list[str]:
        return self.table.dates()

    def record(self, place: int) -> bytes:
        return self.table.record_at(place)

    def dict_at(self, place: int) -> dict[str, Any]:
        return self.table.dict_at(place)


def _held_or_read(held: Mapping[int, _T], i: int, length: int, base: int, read: Callable[[int], _T], order: Sequence[int]) -> _T:
    """Item `i` (negative from the end of `length`) of a view whose items set or
    appended are `held`, the others (the `base` first) `read` at their `order` place."""
    if i < 0:
        i += length
    if (item := held.get(i)) is not None:
        return item
    if not 0 <= i < base:
        raise IndexError(i)
    return read(order[i])


def _with_held(values: list[_T], held: Mapping[int, _T]) -> list[_T]:
    """`values` (the items read) with the items `held` put in their places or appended after."""
    for i, item in sorted(held.items()):
        if i < len(values):
            values[i] = item
        else:
            values.append(item)
    return values


class Reordered(MutableSequence[Paper]):
    """`papers` in another order (item i is papers[order[i]]), decoded when asked for;
    items set or appended are held. The search index's papers in its own order."""

    def __init__(self, papers: Papers, order: Sequence[int]):
        self._papers, self._order = papers, order  # (the index's own, which it extends as it adds)
        self._set: dict[int, Paper] = {}
        self._length = self._base = len(order)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, i: int) -> Paper: ...
    @overload
    def __getitem__(self, i: slice) -> MutableSequence[Paper]: ...
    def __getitem__(self, i: int | slice) -> Paper | MutableSequence[Paper]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return _held_or_read(self._set, i, self._length, self._base, self._papers.table.at, self._order)

    def __setitem__(self, i: Any, paper: Any) -> None:
        if not isinstance(i, int) or not 0 <= i < self._length:
            raise IndexError(i)
        self._set[i] = paper

    def __delitem__(self, i: Any) -> None:
        raise TypeError("the index's papers are never deleted")

    def insert(self, i: int, paper: Paper) -> None:
        if i != self._length:
            raise TypeError("the index's papers are only appended")
        self._set[i] = paper
        self._length += 1

    def ids(self) -> list[str]:
        return self._column(self._papers.ids(), "id")

    def dates(self) -> list[str]:
        return self._column(self._papers.dates(), "date")

    def _column(self, every: list[str], name: str) -> list[str]:
        """A field of each paper in this order: `every` (the papers' own order) but
        for the papers set or appended here."""
        held = {i: getattr(paper, name) for i, paper in self._set.items()}
        return _with_held([every[self._order[i]] for i in range(self._base)], held)


class OrderedIds(Sequence[str]):
    """The ids of a `Reordered`'s papers by item, read from the paper files as asked
    for, and the item of an id (`get`, by the files' look-up by id and the inverse of
    the order): the search index's ids and document numbers, which as a list and a
    dict took 0.45 s of each start at 1M papers and 120 MB. Ids set or appended
    since (`__setitem__`, `append`; `number`) are held."""

    def __init__(self, papers: Reordered):
        self._table, self._order = papers._papers.table, papers._order
        self._base = self._count = papers._base  # the order goes on growing with the index
        self._items: np.ndarray | None = None  # place -> item, made at the first look-up
        self._set: dict[int, str] = {}
        # The items of the ids set, appended or looked up: a filter on the papers with a saved
        # state looks the same ids up on every keystroke (a look-up in the files: a few µs).
        self._numbers: dict[str, int] = {}
        self.numbers = DocNumbers(self)

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return _held_or_read(self._set, i, self._count, self._base, self._table.id_at, self._order)

    def __iter__(self) -> Iterator[str]:
        """Every id, from the files' ids at once (a whole pass: a filter over every paper)."""
        return iter(_with_held(np.array(self._table.ids(), dtype=object)[self._places()].tolist(), self._set))

    def __setitem__(self, i: int, paper_id: str) -> None:
        if not 0 <= i < self._count:
            raise IndexError(i)
        self._set[i] = paper_id

    def append(self, paper_id: str) -> None:
        self._set[self._count] = paper_id
        self._count += 1

    def _places(self) -> np.ndarray:
        """Each item's place in the table (of the items it was made with)."""
        return np.asarray(self._order[: self._base], dtype=np.int64)

    def number(self, paper_id: str) -> int | None:
        """The item whose id is `paper_id`, None for none."""
        if (found := self._numbers.get(paper_id)) is not None:
            return found
        place = self._table.place_of(paper_id)
        if place is None or place >= len(self._table):
            return None
        if self._items is None:
            items = np.full(len(self._table), -1, dtype=np.int64)
            items[self._places()] = np.arange(self._base)
            self._items = items
        item = int(self._items[place])
        if item < 0:
            return None
        self._numbers[paper_id] = item
        return item


class DocNumbers(Mapping[str, int]):
    """An `OrderedIds`' items by id, as a dict of them reads (`in`, `get`, `items`)."""

    def __init__(self, ids: OrderedIds):
        self._ids = ids

    def __getitem__(self, paper_id: str) -> int:
        found = self._ids.number(paper_id) if isinstance(paper_id, str) else None
        if found is None:
            raise KeyError(paper_id)
        return found

    def __contains__(self, paper_id: object) -> bool:
        return isinstance(paper_id, str) and self._ids.number(paper_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def items(self) -> ItemsView[str, int]:
        return dict(zip(self._ids, range(len(self._ids)), strict=True)).items()

    def __setitem__(self, paper_id: str, item: int) -> None:
        self._ids._numbers[paper_id] = item


def numbered(papers: Sequence[Paper]) -> tuple[list[str] | OrderedIds, dict[str, int] | DocNumbers]:
    """The ids of `papers` by place and the place of each id, without decoding a table's
    papers (see OrderedIds); both take the `[place] = id`, `append` and `[id] = place` of
    papers added or replaced since."""
    if isinstance(papers, Reordered):
        ids = OrderedIds(papers)
        return ids, ids.numbers
    listed = paper_ids(papers)
    return listed, dict(zip(listed, range(len(listed)), strict=True))


def in_order(papers: Sequence[Paper], order: Sequence[int]) -> MutableSequence[Paper]:
    """`papers` in `order` (item i is papers[order[i]]): lazily for a table's papers."""
    if isinstance(papers, Papers):
        return Reordered(papers, order)
    return list(map(papers.__getitem__, order))


def paper_ids(papers: Sequence[Paper]) -> list[str]:
    """The ids of `papers`, without decoding a table's papers."""
    if isinstance(papers, Papers | Reordered):
        return papers.ids()
    return [paper.id for paper in papers]


def paper_dates(papers: Sequence[Paper]) -> list[str]:
    """Each paper's `Paper.date`, without decoding a table's papers."""
    if isinstance(papers, Papers | Reordered):
        return papers.dates()
    return [paper.date for paper in papers]


def as_sequence(papers: Iterable[Paper]) -> Sequence[Paper]:
    """`papers` as a sequence: a table's stay as they are, anything else is listed."""
    return papers if isinstance(papers, Papers) else list(papers)

"""The index's cache file: a built index kept beside the library, read back on the next start.

One file, `search-<name>.idx`, mapped (see reader/search/mapped.py: a checked head,
then raw arrays checked block by block as they are read). The name is the
library's (its content id, or `fingerprint` of the papers); the name kept inside
tells an index written for it from another library's copied over it. It holds
everything a start would otherwise recompute from the papers: the postings arrays
and the titles', authors', arXiv ids', DOIs', venues' and key surnames' text raw (they stay in
the file, not the heap), the vocabulary and its pools and the other facts in the head, and the
papers' order in the index.

An import that adds a segment (a day's papers) does not rewrite that file (most of
a gigabyte at 1M papers, seconds to write): it writes `search-<name>.delta`, which
names the base file it goes on top of (and that file's paper count) and the import
places of the papers indexed since that base, in the order they were added. A start
reads the base and indexes those papers again (a few thousand at most: the store
compacts its segments into library.json, and the import that does writes the whole
index again). A delta is checked whole (its head's CRC) and holds its own name and
its base's: one copied from elsewhere, or whose base is gone, is not used.

Each part's offsets are kept over the whole vocabulary (a word the part lacks has
an empty range), so the parts read back share the vocabulary's list of words
instead of one list each (8 MB at 100k papers). A part built in memory is laid over
the vocabulary as it is saved, in place: it then holds what was written, as one read
back would, not its own list of words and offsets besides.
"""

from __future__ import annotations

import hashlib
import os
from array import array
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import NamedTuple

import numpy as np

from reader import marshalfile
from reader.files import leftovers
from reader.models import Paper
from reader.search import mapped
from reader.search.facts import Facts
from reader.search.mapped import Checked
from reader.search.postings import Part
from reader.search.vocabulary import Pools, Vocabulary

_FORMAT = 13  # bump when the on-disk cache layout or the tokenizer changes
_FACTS = 21  # arrays of the facts, after the postings' (Facts.saved); then the two pools' members


class Cached(NamedTuple):
    """An index as read back: its postings (by field), facts, vocabulary and pools,
    and `order`: document d is paper order[d] of the library, in import order."""

    parts: list[list[Part]]
    facts: tuple[list[Checked], list[str], list[tuple[str, ...]]]
    words: list[str]
    first: Pools
    second: Pools
    order: array


def file_for(cache_dir: str | os.PathLike[str], papers: Sequence[Paper], name: str | None) -> Path:
    """The cache file of these papers: under the library's `name`, else their fingerprint."""
    return Path(cache_dir) / f"search-{name or _fingerprint(papers)}.idx"


def delta_file_for(cache_dir: str | os.PathLike[str], name: str) -> Path:
    """The delta file (see the module's docstring) of the library named `name`."""
    return Path(cache_dir) / f"search-{name}.delta"


def cached(cache_dir: str | os.PathLike[str], name: str) -> bool:
    """Does `cache_dir` hold the index of the library named `name`, whole or as a delta?"""
    return file_for(cache_dir, (), name).exists() or delta_file_for(cache_dir, name).exists()


class Delta(NamedTuple):
    """A delta as read back: its base file, the base's count of papers, and the import
    places of the papers indexed on top of it, in the order they were added."""

    base: Path
    papers: int
    added: array


def load_delta(path: Path) -> Delta | None:
    """The delta in `path`; None if there is none (or an older reader's). Raises
    marshalfile.Damaged for any other file."""
    found = mapped.read(path)
    if found is None:
        return None
    try:
        value, _ = found
        if value[0] != _FORMAT:
            return None
        _, name, base_name, papers, added_bytes = value
        if name != path.name:
            raise marshalfile.Damaged("was made from another library")
        added = array("q")
        added.frombytes(added_bytes)
        return Delta(path.with_name(base_name), papers, added)
    except marshalfile.Damaged:
        raise
    except Exception as error:  # its checksum held, yet it is not what `save_delta` makes
        raise marshalfile.Damaged.because(error) from None


def save_delta(path: Path, base: Path, papers: int, added: array) -> None:
    """Write atomically, then drop other deltas (a base file stays: others may be over it)."""
    try:
        mapped.write(path, (_FORMAT, path.name, base.name, papers, added.tobytes()), [])
        _drop_others(path, "search-*.delta")
    except OSError:
        pass  # a cache we cannot write is only a slower start next time


def _drop_others(path: Path, *patterns: str) -> None:
    """Other caches of these `patterns` beside `path`, and the temp files no writer holds."""
    found = chain.from_iterable(path.parent.glob(pattern) for pattern in patterns)
    for other in chain(found, leftovers(path.parent, "search-*")):
        if other != path:
            try:
                other.unlink()
            except OSError:
                pass


def _fingerprint(papers: Sequence[Paper]) -> str:
    """Names the papers and their order, for a library whose content id is not known:
    the cache holds facts (dates, sources, links) as well as the indexed text."""
    digest = hashlib.sha256(f"reader-search-{_FORMAT}".encode())
    for p in papers:
        sources = "\x1e".join(f"{s.file}\x1d{s.format}\x1d{s.date}" for s in p.sources)
        fields = (p.id, p.title, p.abstract, "\x1e".join(p.authors), "\x1e".join(p.links),
                  p.arxiv_id or "", p.published or "", sources, str(p.upvotes), p.doi or "", p.venue or "")  # fmt: skip
        digest.update("\x1f".join((*fields, "\x1d")).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def load(path: Path, count: int) -> Cached | None:
    """The index in `path` if it holds one of `count` papers written under this name;
    None if there is none (or an older reader's). Raises marshalfile.Damaged for any
    other file (and later, from a part's `blocks`, for damage found as it is read)."""
    found = mapped.read(path)
    if found is None:
        return None
    try:
        value, arrays = found
        if value[0] != _FORMAT:
            return None
        _, name, papers, state = value
        if name != path.name:
            raise marshalfile.Damaged("was made from another library")
        fields, descriptors, category_lists, words, first_spans, second_spans, order_bytes = state
        postings = sum(len(field) for field in fields) * 2
        if papers != count or len(fields) != 3 or len(arrays) != postings + _FACTS + 2 or len(order_bytes) != 8 * count:
            raise ValueError("not the shape of an index of these papers")
        facts = arrays[postings : postings + _FACTS]
        first, second = (
            Pools(words, a.checked(), spans) for a, spans in zip(arrays[-2:], (first_spans, second_spans), strict=True)
        )
        if any(len(facts[i].view) != count for i in (1, 3, 4, 6, 10, 15, 17, 19, 20)) or any(
            len(facts[i].view) != len(facts[j].view) for i, j in ((8, 9), (11, 13))
        ):
            raise ValueError("facts of the wrong shape")
        parts: list[list[Part]] = []
        for field in fields:
            parts.append([])
            for at in field:
                offsets, data = arrays[at], arrays[at + 1]
                if offsets.view.format not in "iq" or len(offsets.view) != len(words) + 1 or data.view.format != "i":
                    raise ValueError("postings of the wrong shape")
                parts[-1].append(Part(words, offsets.view, data.view, (offsets, data)))
        order = array("q")
        order.frombytes(order_bytes)
        return Cached(parts, (facts, descriptors, category_lists), words, first, second, order)
    except marshalfile.Damaged:
        raise
    except Exception as error:  # its checksums held, yet it is not what `save` makes
        raise marshalfile.Damaged.because(error) from None


def _over(part: Part, place: dict[str, int]) -> array:
    """The part's offsets over every word of the vocabulary (`place`: a word's number
    in it), in 32 bits where they fit (they are most of a large vocabulary's bytes)."""
    found = np.fromiter(map(place.__getitem__, part.words), dtype=np.int64, count=len(part.words))
    sizes = np.zeros(len(place) + 1, dtype=np.int64)
    sizes[found + 1] = np.diff(np.asarray(part.offsets, dtype=np.int64))  # 32 bits when read from the cache
    kind = _kind(part)
    return array(kind, np.cumsum(sizes).astype(np.int32 if kind == "i" else np.int64).tobytes())


def _kind(part: Part) -> str:
    """The kind of the part's offsets in the cache file."""
    return "i" if len(part.data) < 2**31 else "q"


def save(path: Path, parts: list[list[Part]], facts: Facts, vocab: Vocabulary, order: array) -> None:
    """Write atomically, then drop index files (and deltas) of other versions of the library.
    Raises marshalfile.Damaged if what was read from a cache file is not as written."""
    arrays: list = []
    fields: list[list[int]] = []
    place: dict[str, int] | None = None
    for field in parts:
        fields.append([])
        for part in field:
            part.check_all()  # a part read from the cache file is written again only as it was written
            offsets = part.offsets
            if part.words is not vocab.words or memoryview(offsets).format != _kind(part):
                if place is None:
                    place = dict(zip(vocab.words, range(len(vocab.words)), strict=True))
                offsets = _over(part, place)
                if part.blocks is None:  # in memory: keep what is written, not both (see the module's docstring)
                    part.words, part.offsets = vocab.words, offsets
            fields[-1].append(len(arrays))
            arrays += [offsets, part.data]
    del place
    facts_arrays, descriptors, category_lists = facts.saved()
    arrays += [*facts_arrays, vocab.first.members, vocab.second.members]
    state = (fields, descriptors, category_lists, vocab.words, vocab.first.spans, vocab.second.spans, order.tobytes())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mapped.write(path, (_FORMAT, path.name, len(order), state), arrays)
        _drop_others(path, "search-*.idx", "search-*.delta")
    except OSError:
        pass  # a cache we cannot write is only a slower start next time

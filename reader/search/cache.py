"""The index's cache file: a built index kept beside the library, read back on the next start.

One file, `search-<name>.idx`, in a marshalfile (see reader/marshalfile.py: a
checksum of its bytes comes first). The name is the library's (its content id,
or `fingerprint` of the papers); the name kept inside tells an index written for
it from another library's copied over it. It holds everything a start would
otherwise recompute from the papers: the postings arrays raw, the facts, the
vocabulary and its pools, and the papers' order in the index.
"""

from __future__ import annotations

import hashlib
import os
from array import array
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import NamedTuple

from reader import marshalfile
from reader.models import Paper
from reader.search.facts import Facts, Saved
from reader.search.postings import Ints, Part
from reader.search.vocabulary import Pools, Vocabulary

_FORMAT = 9  # bump when the on-disk cache layout or the tokenizer changes


class Cached(NamedTuple):
    """An index as read back: its postings (by field), facts, vocabulary and pools,
    and `order`: document d is paper order[d] of the library, in import order."""

    parts: list[list[Part]]
    facts: Saved
    words: list[str]
    first: Pools
    second: Pools
    order: array


def file_for(cache_dir: str | os.PathLike[str], papers: Sequence[Paper], name: str | None) -> Path:
    """The cache file of these papers: under the library's `name`, else their fingerprint."""
    return Path(cache_dir) / f"search-{name or _fingerprint(papers)}.idx"


def _fingerprint(papers: Sequence[Paper]) -> str:
    """Names the papers and their order, for a library whose content id is not known:
    the cache holds facts (dates, sources, links) as well as the indexed text."""
    digest = hashlib.sha256(f"reader-search-{_FORMAT}".encode())
    for p in papers:
        sources = "\x1e".join(f"{s.file}\x1d{s.format}\x1d{s.date}" for s in p.sources)
        fields = (p.id, p.title, p.abstract, "\x1e".join(p.authors), "\x1e".join(p.links),
                  p.arxiv_id or "", p.published or "", sources)  # fmt: skip
        digest.update("\x1f".join((*fields, "\x1d")).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def load(path: Path, count: int) -> Cached | None:
    """The index in `path` if it holds one of `count` papers written under this name;
    None if there is none (or an older reader's). Raises marshalfile.Damaged for any
    other file."""
    found = marshalfile.read(path)
    if found is None:
        return None
    try:
        value, arrays = found
        if value[0] != _FORMAT:
            return None
        _, name, papers, state = value
        if name != path.name:
            raise marshalfile.Damaged("was made from another library")
        if papers != count or len(state[0]) != 3 or len(state[1]) != count or len(state[-1]) != 8 * count:
            raise ValueError("not the shape of an index of these papers")
        for words, offsets, data in chain.from_iterable(state[0]):
            if arrays[offsets].format != "q" or len(arrays[offsets]) != len(words) + 1 or arrays[data].format != "i":
                raise ValueError("postings of the wrong shape")
        fields, titles, authors, year, has_code, src_of, arxiv, words, first, second, order_bytes = state
        order = array("q")
        order.frombytes(order_bytes)
        parts = [[Part(found, arrays[offsets], arrays[data]) for found, offsets, data in field] for field in fields]
        return Cached(parts, (titles, authors, year, has_code, src_of, arxiv), words, first, second, order)
    except marshalfile.Damaged:
        raise
    except Exception as error:  # its checksum held, yet it is not what `save` makes
        raise marshalfile.Damaged.because(error) from None


def save(path: Path, parts: list[list[Part]], facts: Facts, vocab: Vocabulary, order: array) -> None:
    """Write atomically, then drop index files of other versions of the library."""
    arrays: list[Ints] = []
    fields: list[list[tuple[list[str], int, int]]] = []
    for field in parts:
        fields.append([])
        for part in field:
            fields[-1].append((part.words, len(arrays), len(arrays) + 1))
            arrays += [part.offsets, part.data]
    state = (fields, *facts.saved(), vocab.words, vocab.first, vocab.second, order.tobytes())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        marshalfile.write(path, (_FORMAT, path.name, len(state[1]), state), arrays)
        for other in chain(path.parent.glob("search-*.idx"), path.parent.glob(".search-*.tmp")):
            if other != path:
                try:
                    other.unlink()
                except OSError:
                    pass
    except OSError:
        pass  # a cache we cannot write is only a slower start next time

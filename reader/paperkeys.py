"""Which paper a person means, and a small file that says so without loading the library.

A person names a paper by its id, by a key another source may name it by
(`Paper.keys`: arXiv id, DOI, title key), by an arXiv id as typed
(`2306.13575v2`), or by a unique prefix of its id (four characters or more).
`resolve` holds those rules once, over two look-ups, so the library in memory and
the keys file answer alike.

Why a file. `reader bookmark ID` (tag, untag, read) changes one paper's state and
needs nothing of the library but to know which paper ID names; loading 1M papers
for that took 4.9 s and 3.4 GB. `library.keys` is written wherever the paper file is,
under the same made-from stat and content id and trusted under the same check
(`snapshot.same_content`). It holds every key -> id pair, sorted by key, as two
blobs of UTF-8 and their offsets, raw in a marshalfile: a look-up is a binary
search over the mapped file that reads a few pages. A keys file that is missing,
out of date or damaged only means the library is loaded, as before. A library
with segments (see `reader.store`) has one keys file for library.json and one for
each segment, looked up together (`Keys.joined`).
"""

from __future__ import annotations

import bisect
import contextlib
from array import array
from collections.abc import Callable, Iterable, Mapping
from itertools import accumulate
from pathlib import Path

from reader import marshalfile, snapshot
from reader.models import Paper, parse_arxiv_id

KEYS_FILE = "library.keys"
_VERSION = 1
_PREFIX_MIN = 4  # characters of an id prefix; fewer would match half the library


class LibraryError(Exception):
    """A request the library cannot satisfy (unknown id, ambiguous prefix...)."""


def aliases_of(papers: Iterable[Paper]) -> dict[str, str]:
    """Every key a paper is known by -> its id: its own id always, another key the
    first paper with it."""
    aliases: dict[str, str] = {}
    for paper in papers:
        add_aliases(aliases, paper.id, paper.keys)
    return aliases


def add_aliases(aliases: dict[str, str], paper_id: str, keys: Iterable[str]) -> None:
    """`aliases_of` the papers before, and then the paper `paper_id` of those `keys`."""
    aliases[paper_id] = paper_id
    for key in keys:
        aliases.setdefault(key, paper_id)


def joined_aliases(parts: list[dict[str, str]]) -> dict[str, str]:
    """`aliases_of` papers in runs, from each run's own (the first is added to): a
    key that is a paper's id in one is that paper's, another the first run's with it."""
    joined = parts[0]
    for later in parts[1:]:
        for key, paper_id in later.items():
            if key == paper_id:
                joined[key] = key
            else:
                joined.setdefault(key, paper_id)
    return joined


class Aliases:
    """`aliases_of` a library whose keys files are read (`keys`), and the keys of the
    papers this process put in since (`added`, over them): an import of a day into
    a large library then hashes the day's titles, not every title the library holds
    (2 s at 100k papers)."""

    def __init__(self, keys: Keys, added: dict[str, str] | None = None):
        self._keys, self._added = keys, dict(added or {})

    def get(self, key: str, default: str | None = None) -> str | None:
        found = self._added.get(key)
        if found is None:
            found = self._keys.alias(key)
        return default if found is None else found

    def __getitem__(self, key: str) -> str:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __setitem__(self, key: str, paper_id: str) -> None:
        self._added[key] = paper_id

    def setdefault(self, key: str, paper_id: str) -> str:
        found = self.get(key)
        if found is None:
            self._added[key] = found = paper_id
        return found

    def copy(self) -> Aliases:
        return Aliases(self._keys, self._added)


def resolve(text: str, alias: Callable[[str], str | None], ids_starting: Callable[[str], list[str]]) -> str:
    """A paper id from what a person typed. `alias(key)`: the paper known by `key`
    (an id names itself), else None; `ids_starting(text)`: the ids that start so."""
    text = text.strip()
    if (found := alias(text)) is not None:
        return found
    arxiv = parse_arxiv_id(text)
    if arxiv and (found := alias(f"arxiv:{arxiv}")) is not None:
        return found
    matches = ids_starting(text) if len(text) >= _PREFIX_MIN else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise LibraryError(f"{text!r} matches {len(matches)} papers; give more of the id")
    raise LibraryError(f"no paper with id {text!r} (try: reader search)")


class _Strings:
    """Item i of a blob of UTF-8 cut at `offsets`, as bytes (a sequence bisect can search)."""

    def __init__(self, blob: memoryview, offsets: memoryview):
        self.blob, self.offsets = blob, offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> bytes:
        return bytes(self.blob[self.offsets[i] : self.offsets[i + 1]])


class Keys:
    """The keys of one library, as read from its keys files (`layers`, library.json's
    first): `alias` and `ids_starting` for `resolve`. `content_id`: of the file the
    first was made from."""

    def __init__(self, layers: list[tuple[_Strings, _Strings]], content_id: str):
        self._layers, self.content_id = layers, content_id

    @classmethod
    def joined(cls, parts: list[Keys]) -> Keys:
        """The keys of library.json and its segments, in their order."""
        return cls([layer for part in parts for layer in part._layers], parts[0].content_id)

    def alias(self, key: str) -> str | None:
        """As `aliases_of` the whole library says: a paper's own id names it, else the
        first paper known by the key (a layer's papers follow the layers before)."""
        wanted, first = _encoded(key), None
        for keys, ids in self._layers:
            i = bisect.bisect_left(keys, wanted)
            if i < len(keys) and keys[i] == wanted:
                if ids[i] == wanted:
                    return key
                first = first or ids[i].decode("utf-8", "surrogatepass")
        return first

    def ids_starting(self, text: str) -> list[str]:
        prefix = _encoded(text)
        found: dict[str, None] = {}
        for keys, ids in self._layers:
            i = bisect.bisect_left(keys, prefix)
            while i < len(keys) and (key := keys[i]).startswith(prefix):
                if key == ids[i]:  # the key that is a paper's own id
                    found[key.decode("utf-8", "surrogatepass")] = None
                i += 1
        return list(found)


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def write(path: Path, made_from: snapshot.Identity, content_id: str, aliases: Mapping[str, str]) -> None:
    """Best effort, atomically, as the paper file is written. Sorted as strings: UTF-8
    keeps the code points' order, so the bytes are sorted too."""
    keys = sorted(aliases)
    arrays = [*_packed(keys), *_packed(list(map(aliases.__getitem__, keys)))]
    try:
        marshalfile.write(path, (_VERSION, made_from, content_id, len(keys)), arrays)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):  # a home that cannot be written: no keys file, the papers still load
            path.unlink(missing_ok=True)


def _packed(items: list[str]) -> tuple[bytes, array]:
    """The items as one blob of UTF-8, and where each ends in it."""
    text = "".join(items)
    if text.isascii():  # a character a byte: no need to encode them one by one
        return text.encode("ascii"), array("q", accumulate(map(len, items), initial=0))
    encoded = list(map(_encoded, items))
    return b"".join(encoded), array("q", accumulate(map(len, encoded), initial=0))


def read(path: Path, source: Path, library: snapshot.Identity | None) -> Keys | None:
    """The keys of the library file `source` (stat'ed as `library`), if `path` holds
    them; None if it does not (none, another library's, damaged: load the library)."""
    if library is None:
        return None
    try:
        found = marshalfile.read(path)
        if found is None:
            return None
        (version, made_from, content_id, count), (keys, key_offsets, ids, id_offsets) = found
        if version != _VERSION or not snapshot.same_content(path, source, library, tuple(made_from), content_id):
            return None
        if not len(key_offsets) == len(id_offsets) == count + 1:
            return None
        return Keys([(_Strings(keys, key_offsets), _Strings(ids, id_offsets))], content_id)
    except (marshalfile.Damaged, TypeError, ValueError):
        return None

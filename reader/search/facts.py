"""The facts of each indexed paper that filters and ranking read, by document number.

Kept apart from the postings: year:, has:code, src: and id: are answered from
these, the second stage of ranking reads the titles, and narrowing reads the
titles and authors instead of their postings when few papers are left. The
orders `S` offers (upvotes, title A–Z), doi:, venue:, key: and cat: read the columns
kept here too (`votes`, `title_keys`, `dois`, `venues`, `surnames`, `cat_codes`): the papers
stay in their paper file, and decoding all 100k of them for one keystroke took seconds.

Read back from the cache file, the titles, authors and arXiv ids stay there
(`Texts`: one UTF-8 blob and where each text ends, decoded when read): as lists
of strings they cost 45 MB of the heap at 100k papers. A build holds its texts
the same way, the blobs in memory (see `Gathering`). Each paper's sources are
a number into the distinct lines (`src_codes`), not a string and a set per line;
its categories likewise (`cat_codes`: few libraries have more than thousands of
distinct lists of categories).
"""

from __future__ import annotations

import bisect
import os
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, islice, pairwise
from typing import Any

import numpy as np

from reader.citation import key_surname, year_of
from reader.models import Paper, Source
from reader.papertable import numbered
from reader.search.docset import DTYPE, DocSet
from reader.search.mapped import Checked
from reader.tex import tex_to_text
from reader.words import padded

_CODE_HOSTS = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|git\.sr\.ht"
    r"|huggingface\.co/spaces|colab\.research\.google\.com|sourceforge\.net)(?:/|$)",
    re.I,
)

_KEPT = 30_000  # decoded strings a Texts keeps (~3 MB of titles)
_CHUNK = 10_000  # texts encoded at a time into a blob
_BATCH = 1024  # papers a Gathering adds at once

# What the cache file keeps of the facts (see Facts.saved): every one but the ids,
# as raw arrays, the distinct source lines and the distinct lists of categories.
Saved = tuple[list[Any], list[str], list[tuple[str, ...]]]


class Facts:
    """Facts of the papers, in document order: `ids`, `titles` and `authors` as padded
    words (" attention is all you need "), `year` (0: unknown), the documents with a
    code link, each one's sources as a number (`src_codes`) into the distinct ones,
    each as one casefolded line (`descriptors`), arXiv ids (casefolded) -> document,
    `votes` (upvotes, -1: unknown), `title_keys` (the A–Z key of the few titles whose
    TeX renders otherwise than their words read, see `_tex_title_key`), and each one's
    `dois` and `venues` ("" for none), `surnames`: each one's `key_surname`, how
    the citation key it would get begins, and each one's categories as a number
    (`cat_codes`) into the distinct lists of them, casefolded (`category_lists`)."""

    __slots__ = (
        "ids", "docno", "titles", "authors", "year", "has_code", "src_codes", "descriptors", "_code", "arxiv",
        "votes", "title_keys", "dois", "venues", "surnames", "cat_codes", "category_lists", "_category_code",
    )  # fmt: skip

    def __init__(
        self,
        papers: Sequence[Paper],
        titles: list[str] | Texts,
        authors: list[str] | Texts,
        year: array,
        has_code: set[int],
        src_codes: array,
        descriptors: list[str],
        arxiv: Keyed,
        votes: array,
        title_keys: dict[int, str],
        dois: list[str] | Texts,
        venues: list[str] | Texts,
        surnames: list[str] | Texts,
        cat_codes: array,
        category_lists: list[tuple[str, ...]],
    ):
        # A library's papers: read from its paper files as asked for, nothing per paper at a start.
        self.ids, self.docno = numbered(papers)
        self.titles, self.authors, self.year, self.has_code = titles, authors, year, has_code
        self.src_codes, self.descriptors, self.arxiv = src_codes, descriptors, arxiv
        self._code = {descriptor: code for code, descriptor in enumerate(descriptors)}
        self.votes, self.title_keys, self.dois, self.venues = votes, title_keys, dois, venues
        self.surnames = surnames
        self.cat_codes, self.category_lists = cat_codes, category_lists
        self._category_code = {categories: code for code, categories in enumerate(category_lists)}

    @classmethod
    def of(cls, papers: Sequence[Paper]) -> Facts:
        gathered = Gathering()
        for batch in batches(papers):
            gathered.add(batch)
        return gathered.facts(papers)

    @classmethod
    def restored(cls, papers: Sequence[Paper], saved: tuple[list[Checked], list[str], list[tuple[str, ...]]]) -> Facts:
        """The facts `saved` kept, the texts left in the mapped file, the rest copied
        out of it (small, and changed in place by `update`)."""
        arrays, descriptors, category_lists = saved
        titles, title_ends, authors, author_ends, year, has_code, src_codes, arxiv, arxiv_ends, arxiv_docs, *more = arrays
        votes, keyed, keys, key_ends, dois, doi_ends, venues, venue_ends, surnames, surname_ends, cat_codes = more
        return cls(
            papers,
            Texts(titles, title_ends.checked()),
            Texts(authors, author_ends.checked()),
            _copied("H", year),
            set(has_code.checked()),
            _copied("I", src_codes),
            descriptors,
            Keyed({}, Texts(arxiv, arxiv_ends.checked()), arxiv_docs.checked()),
            _copied("i", votes),
            dict(zip(keyed.checked().tolist(), Texts(keys, key_ends.checked()), strict=True)),
            Texts(dois, doi_ends.checked()),
            Texts(venues, venue_ends.checked()),
            Texts(surnames, surname_ends.checked()),
            _copied("I", cat_codes),
            category_lists,
        )

    def saved(self) -> Saved:
        """The arrays `restored` reads back, in its order, the source lines and the category lists."""
        titles, authors = Texts.encoded(self.titles), Texts.encoded(self.authors)
        keys, docs = self.arxiv.items()
        arxiv = Texts.encoded(keys)
        has_code = array("i", sorted(self.has_code))
        keyed = sorted(self.title_keys)
        more = [array("i", keyed), *Texts.encoded(map(self.title_keys.__getitem__, keyed))]
        more += [*Texts.encoded(self.dois), *Texts.encoded(self.venues), *Texts.encoded(self.surnames), self.cat_codes]
        arrays = [*titles, *authors, self.year, has_code, self.src_codes, *arxiv, array("i", docs), self.votes, *more]
        return arrays, self.descriptors, self.category_lists

    def src_docs(self, value: str) -> DocSet:
        """The documents with a source whose line holds `value`."""
        wanted = [code for code, descriptor in enumerate(self.descriptors) if value in descriptor]
        codes = np.frombuffer(self.src_codes, dtype=np.uint32)
        return DocSet(np.flatnonzero(np.isin(codes, wanted)).astype(DTYPE))

    def cat_docs(self, value: str) -> DocSet:
        """The documents with the category `value` (casefolded), or one of its archive
        (cat:cs is every cs.*)."""
        archive = value + "."
        wanted = [code for code, cats in enumerate(self.category_lists) if any(c == value or c.startswith(archive) for c in cats)]
        codes = np.frombuffer(self.cat_codes, dtype=np.uint32)
        return DocSet(np.flatnonzero(np.isin(codes, wanted)).astype(DTYPE))

    def update(self, docno: int, paper: Paper) -> None:
        """Facts of one added (docno: the next number) or replaced paper."""
        if docno == len(self.ids):
            self.ids.append(paper.id)
            self.titles.append("")
            self.authors.append("")
            self.year.append(0)
            self.src_codes.append(0)
            self.votes.append(-1)
            self.dois.append("")
            self.venues.append("")
            self.surnames.append("")
            self.cat_codes.append(0)
        self.ids[docno] = paper.id
        self.docno[paper.id] = docno
        self.titles[docno] = padded(paper.title)
        self.authors[docno] = padded(" ".join(paper.authors))
        self.year[docno] = _year_of(paper)
        if any(map(_CODE_HOSTS.match, paper.links)):
            self.has_code.add(docno)
        else:
            self.has_code.discard(docno)
        descriptor = _descriptor(paper.sources)
        code = self._code.get(descriptor)
        if code is None:
            code = self._code[descriptor] = len(self.descriptors)
            self.descriptors.append(descriptor)
        self.src_codes[docno] = code
        if paper.arxiv_id:
            self.arxiv[paper.arxiv_id.casefold()] = docno
        self.votes[docno] = _votes(paper)
        if (key := _tex_title_key(paper.title)) is not None:
            self.title_keys[docno] = key
        else:
            self.title_keys.pop(docno, None)
        self.dois[docno] = paper.doi or ""
        self.venues[docno] = paper.venue or ""
        self.surnames[docno] = key_surname(paper)
        categories = _categories(paper)
        code = self._category_code.get(categories)
        if code is None:
            code = self._category_code[categories] = len(self.category_lists)
            self.category_lists.append(categories)
        self.cat_codes[docno] = code

    def title_order_keys(self) -> list[str]:
        """Each document's title as the A–Z order compares it (see `_tex_title_key`),
        the titles' words read all at once."""
        keys = list(self.titles)
        for docno, key in self.title_keys.items():
            keys[docno] = key
        return keys


def _copied(kind: str, checked: Checked) -> array:
    found = array(kind)
    found.frombytes(checked.checked().cast("B"))
    return found


def _year_of(paper: Paper) -> int:
    year = year_of(paper)  # an arXiv listing's paper has no date, but its id's YYMM
    return int(year) if year else 0


def _votes(paper: Paper) -> int:
    return -1 if paper.upvotes is None else paper.upvotes  # unknown below 0


def _tex_title_key(title: str) -> str | None:
    """A title's words as the A–Z order compares them, where they are not its padded
    words: case, accents, braces and punctuation are gone from those already ("{GPT}-4"
    files under g), but a TeX command or math is rendered first ("$\\textit{Trans-LoRA}$"
    compares as "trans lora", not "textit trans lora"). Few titles have any, and rendering costs."""
    return padded(tex_to_text(title)) if "\\" in title or "$" in title else None


def _categories(paper: Paper) -> tuple[str, ...]:
    categories = paper.categories
    return tuple(c.casefold() for c in categories) if categories else ()  # most have none: no generator


class Gathering:
    """`Facts.of` papers given a batch at a time (see `batches`), in document order:
    each is read once (a paper file's are decoded as they are read), not once for
    each column. The texts (titles, authors, DOIs, venues, key surnames) are encoded
    into one blob each every _CHUNK papers, as a save writes them: held as a string
    per paper they were 100 MB at 300k papers, and an import's peak held those and
    the blobs."""

    def __init__(self) -> None:
        self._descriptors: dict[tuple, int] = {}  # papers from the same files share one line
        self._lines: list[str] = []
        self._src_codes = array("I")
        self._count = 0
        self._titles: list[str] = []  # the texts of the papers since the last chunk
        self._authors: list[str] = []
        self._year = array("H")
        self._has_code: set[int] = set()
        self._arxiv: dict[str, int] = {}
        self._votes = array("i")
        self._title_keys: dict[int, str] = {}
        self._dois: list[str] = []
        self._venues: list[str] = []
        self._surnames: list[str] = []
        self._blobs = [_Blob() for _ in range(5)]  # the texts of the papers before, in the order of `_pending`
        self._category_code: dict[tuple[str, ...], int] = {}
        self._cat_codes = array("I")

    def add(self, papers: list[Paper]) -> Iterator[tuple[str, str]]:
        """Gather the facts of `papers`, the next in document order; returns each one's
        title and authors as they are indexed.

        Column by column: a build gathers every paper in the main process, on an
        import's way (7 s at 1M papers), and paper by paper the look-ups and calls
        cost a sixth more."""
        first = self._count
        self._count += len(papers)
        self._src_codes.extend([self._src_code(paper.sources) for paper in papers])
        titles = [padded(paper.title) for paper in papers]
        authors = [padded(" ".join(paper.authors)) for paper in papers]
        self._titles += titles
        self._authors += authors
        self._year.extend([_year_of(paper) for paper in papers])
        self._has_code.update(
            d for d, paper in enumerate(papers, first) if paper.links and any(map(_CODE_HOSTS.match, paper.links))
        )
        self._arxiv.update((paper.arxiv_id.casefold(), d) for d, paper in enumerate(papers, first) if paper.arxiv_id)
        self._votes.extend([_votes(paper) for paper in papers])
        keyed = ((d, _tex_title_key(paper.title)) for d, paper in enumerate(papers, first))
        self._title_keys.update((d, key) for d, key in keyed if key is not None)
        self._dois += [paper.doi or "" for paper in papers]
        self._venues += [paper.venue or "" for paper in papers]
        self._surnames += [key_surname(paper) for paper in papers]
        codes = self._category_code
        self._cat_codes.extend([codes.setdefault(_categories(paper), len(codes)) for paper in papers])
        if len(self._titles) >= _CHUNK:
            self._encode()
        return zip(titles, authors, strict=True)

    def _src_code(self, sources: tuple[Source, ...]) -> int:
        """The number of the line of `sources`' files: one source (most papers) makes its key with no generator."""
        key = ((sources[0].file, sources[0].format),) if len(sources) == 1 else tuple((s.file, s.format) for s in sources)
        code = self._descriptors.get(key)
        if code is None:
            code = self._descriptors[key] = len(self._lines)
            self._lines.append(_descriptor(sources))
        return code

    def _pending(self) -> tuple[list[str], ...]:
        return self._titles, self._authors, self._dois, self._venues, self._surnames

    def _encode(self) -> None:
        for blob, texts in zip(self._blobs, self._pending(), strict=True):
            blob.extend(texts)
            texts.clear()

    def facts(self, papers: Sequence[Paper]) -> Facts:
        """The facts of `papers`, the papers added, in that order. Add no more papers."""
        self._encode()
        titles, authors, dois, venues, surnames = (blob.texts() for blob in self._blobs)
        # The arXiv ids as the save writes them, sorted in one blob: a dict of a string
        # and a number per paper was 45 MB at 300k papers.
        keys = sorted(self._arxiv)
        arxiv_ids = _Blob()
        arxiv_ids.extend(keys)
        arxiv_docs = array("i", map(self._arxiv.__getitem__, keys))
        return Facts(
            papers,
            titles,
            authors,
            self._year,
            self._has_code,
            self._src_codes,
            self._lines,
            Keyed({}, arxiv_ids.texts(), arxiv_docs),
            self._votes,
            self._title_keys,
            dois,
            venues,
            surnames,
            self._cat_codes,
            list(self._category_code),
        )


def batches(papers: Iterable[Paper]) -> Iterator[list[Paper]]:
    """`papers` a thousand at a time, for `Gathering.add`: few held at once."""
    papers = iter(papers)
    while batch := list(islice(papers, _BATCH)):
        yield batch


def _descriptor(sources: Iterable[Source]) -> str:
    return " ".join(f"{os.path.basename(s.file)} {s.format}" for s in sources).casefold()


def containing(texts: Sequence[str], needle: str, docs: Iterable[int]) -> set[int]:
    """The documents of `docs` whose text (in `texts`, by document) has `needle` in it."""
    if isinstance(texts, Texts):
        return texts.containing(needle, docs)
    return {d for d in docs if needle in texts[d]}


class Texts(Sequence[str]):
    """Strings by document, read from the cache file or gathered by a build: one UTF-8
    blob (`blob`, checked as it is read from a file) and where each string ends in it
    (`ends`); a string changed or added since is kept apart. The last _KEPT read are
    kept decoded: a search reads the same candidates' titles on every keystroke
    (ranking, narrowing), and decoding them each time cost a third more per keystroke
    at 100k papers."""

    __slots__ = ("_blob", "_ends", "_count", "_changed", "_kept")

    def __init__(self, blob: Checked, ends: memoryview):
        self._blob, self._ends = blob, ends
        self._count = len(ends)
        self._changed: dict[int, str] = {}
        self._kept: dict[int, str] = {}

    @staticmethod
    def encoded(texts: Iterable[str]) -> tuple[Any, Any]:
        """The blob and ends that hold `texts`: those of a `Texts` unchanged since it was
        made (read whole, checked), else encoded."""
        if isinstance(texts, Texts) and not texts._changed:
            return texts._blob.checked(), texts._ends
        blob = _Blob()
        blob.extend(texts)
        return blob.data, blob.ends

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, docno: int) -> str:  # type: ignore[override]  # no slices: read one by one
        found = self._kept.get(docno)
        if found is not None:
            return found
        if self._changed and (changed := self._changed.get(docno)) is not None:
            return changed
        if not 0 <= docno < len(self._ends):
            raise IndexError(docno)
        lo, hi = self._ends[docno - 1] if docno else 0, self._ends[docno]
        self._blob.check(lo, hi)
        found = str(self._blob.view[lo:hi], "utf-8", "surrogatepass")
        kept = self._kept
        if len(kept) >= _KEPT:  # forget the older half
            for old in list(islice(kept, _KEPT // 2)):
                del kept[old]
        kept[docno] = found
        return found

    def containing(self, needle: str, docs: Iterable[int]) -> set[int]:
        """The documents of `docs` whose string has `needle` in it, looked for in the
        blob's bytes where they lie, nothing kept: a hyphenated word checks up to 50k
        titles on a keystroke, and one by one through `[]` they took 250 ms at 300k
        papers. (UTF-8 is self-synchronizing: the bytes hold the needle's bytes where,
        and only where, the string holds the needle.)"""
        wanted = needle.encode("utf-8", "surrogatepass")
        listed = docs.array.astype(np.int64) if isinstance(docs, DocSet) else np.fromiter(docs, dtype=np.int64)
        ends = np.asarray(self._ends, dtype=np.int64)
        stored = listed[listed < len(ends)]
        his = ends[stored]
        los = np.where(stored > 0, ends[stored - 1], 0)
        self._blob.check_spans(los, his)
        view, changed = self._blob.view, self._changed
        found = {
            d for d, lo, hi in zip(stored.tolist(), los.tolist(), his.tolist(), strict=True) if wanted in view[lo:hi].tobytes()
        }
        if changed:
            found.difference_update(changed)
            found.update(d for d in listed.tolist() if (text := changed.get(d)) is not None and needle in text)
        return found

    def __iter__(self) -> Iterator[str]:
        """Every string, decoded from one copy of the blob (a sort by title reads them all:
        one by one, five times as long)."""
        blob = bytes(self._blob.checked())
        ends = self._ends.tolist()
        texts = [blob[lo:hi].decode("utf-8", "surrogatepass") for lo, hi in pairwise([0, *ends])]
        for docno, text in self._changed.items():
            if docno < len(texts):
                texts[docno] = text
            else:
                texts.append(text)  # appended in order of their numbers
        return iter(texts)

    def __setitem__(self, docno: int, text: str) -> None:
        if not 0 <= docno < self._count:
            raise IndexError(docno)
        self._kept.pop(docno, None)
        self._changed[docno] = text

    def append(self, text: str) -> None:
        self._changed[self._count] = text
        self._count += 1


class _Blob:
    """Texts encoded into one UTF-8 blob (`data`) and where each ends in it (`ends`), a
    chunk at a time: a bytes object per text, all held at once, cost 150 MB at a
    million titles."""

    __slots__ = ("data", "ends")

    def __init__(self) -> None:
        self.data, self.ends = bytearray(), array("q")

    def extend(self, texts: Iterable[str]) -> None:
        remaining = iter(texts)
        while chunk := [t.encode("utf-8", "surrogatepass") for t in islice(remaining, _CHUNK)]:
            self.ends.extend(islice(accumulate(map(len, chunk), initial=len(self.data)), 1, None))
            self.data += b"".join(chunk)

    def texts(self) -> Texts:
        """The texts, read from this blob in memory (nothing to check). Extend it no more."""
        return Texts(Checked.held(self.data), memoryview(self.ends))


class Keyed:
    """Strings -> documents: those read from the cache file or gathered by a build as
    sorted `keys` (found by binary search) and their `docs`, and those set since
    (`added`, which win)."""

    __slots__ = ("_added", "_keys", "_docs")

    def __init__(self, added: dict[str, int], keys: Sequence[str] = (), docs: Sequence[int] = ()):
        self._added, self._keys, self._docs = added, keys, docs

    def get(self, key: str) -> int | None:
        found = self._added.get(key)
        if found is not None:
            return found
        i = bisect.bisect_left(self._keys, key)
        return self._docs[i] if i < len(self._keys) and self._keys[i] == key else None

    def __setitem__(self, key: str, docno: int) -> None:
        self._added[key] = docno

    def items(self) -> tuple[Sequence[str], Sequence[int]]:
        """Every key, sorted, and its document."""
        if not self._added:
            return self._keys, self._docs
        merged = dict(zip(self._keys, self._docs, strict=True))
        merged.update(self._added)
        keys = sorted(merged)
        return keys, [merged[k] for k in keys]

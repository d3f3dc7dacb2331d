"""The facts of each indexed paper that filters and ranking read, by document number.

Kept apart from the postings: year:, has:code, src: and id: are answered from
these, the second stage of ranking reads the titles, and narrowing reads the
titles and authors instead of their postings when few papers are left.
"""

from __future__ import annotations

import os
import re
from array import array
from collections import defaultdict
from collections.abc import Sequence

from reader.citation import year_of
from reader.models import Paper
from reader.words import padded

_CODE_HOSTS = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|git\.sr\.ht"
    r"|huggingface\.co/spaces|colab\.research\.google\.com|sourceforge\.net)(?:/|$)",
    re.I,
)

# What the cache file keeps of the facts (see Facts.saved): every one but the ids.
Saved = tuple[list[str], list[str], bytes, list[int], list[str], dict[str, int]]


class Facts:
    """Facts of the papers, in document order: `ids`, `titles` and `authors` as padded
    words (" attention is all you need "), `year` (0: unknown), the documents with a
    code link, each one's sources as one casefolded line (`src_of`) and the documents
    of each such line (`src`), and arXiv ids (casefolded) -> document."""

    __slots__ = ("ids", "docno", "titles", "authors", "year", "has_code", "src_of", "src", "arxiv")

    def __init__(
        self,
        papers: Sequence[Paper],
        titles: list[str],
        authors: list[str],
        year: array,
        has_code: set[int],
        src_of: list[str],
        arxiv: dict[str, int],
    ):
        self.ids = [p.id for p in papers]
        self.docno = dict(zip(self.ids, range(len(papers)), strict=True))
        self.titles, self.authors, self.year, self.has_code = titles, authors, year, has_code
        self.src_of, self.arxiv = src_of, arxiv
        self.src: defaultdict[str, set[int]] = defaultdict(set)
        for docno, descriptor in enumerate(src_of):
            self.src[descriptor].add(docno)

    @classmethod
    def of(cls, papers: Sequence[Paper]) -> Facts:
        descriptors: dict[tuple, str] = {}  # papers from the same files share one string
        src_of = []
        for paper in papers:
            key = tuple((s.file, s.format) for s in paper.sources)
            descriptor = descriptors.get(key)
            if descriptor is None:
                descriptor = descriptors[key] = _descriptor(paper)
            src_of.append(descriptor)
        return cls(
            papers,
            [padded(p.title) for p in papers],
            [padded(" ".join(p.authors)) for p in papers],
            array("H", (_year_of(p) for p in papers)),
            {d for d, p in enumerate(papers) if p.links and any(map(_CODE_HOSTS.match, p.links))},
            src_of,
            {p.arxiv_id.casefold(): d for d, p in enumerate(papers) if p.arxiv_id},
        )

    @classmethod
    def restored(cls, papers: Sequence[Paper], saved: Saved) -> Facts:
        titles, authors, year_bytes, has_code, src_of, arxiv = saved
        year = array("H")
        year.frombytes(year_bytes)
        return cls(papers, titles, authors, year, set(has_code), src_of, arxiv)

    def saved(self) -> Saved:
        return self.titles, self.authors, self.year.tobytes(), sorted(self.has_code), self.src_of, self.arxiv

    def update(self, docno: int, paper: Paper) -> None:
        """Facts of one added (docno: the next number) or replaced paper."""
        if docno == len(self.ids):
            self.ids.append(paper.id)
            self.titles.append("")
            self.authors.append("")
            self.year.append(0)
            self.src_of.append("")
        self.ids[docno] = paper.id
        self.docno[paper.id] = docno
        self.titles[docno] = padded(paper.title)
        self.authors[docno] = padded(" ".join(paper.authors))
        self.year[docno] = _year_of(paper)
        if any(map(_CODE_HOSTS.match, paper.links)):
            self.has_code.add(docno)
        else:
            self.has_code.discard(docno)
        old = self.src_of[docno]
        if old:
            self.src[old].discard(docno)
        descriptor = _descriptor(paper)
        self.src_of[docno] = descriptor
        self.src[descriptor].add(docno)
        if paper.arxiv_id:
            self.arxiv[paper.arxiv_id.casefold()] = docno


def _year_of(paper: Paper) -> int:
    year = year_of(paper)  # an arXiv listing's paper has no date, but its id's YYMM
    return int(year) if year else 0


def _descriptor(paper: Paper) -> str:
    return " ".join(f"{os.path.basename(s.file)} {s.format}" for s in paper.sources).casefold()

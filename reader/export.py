"""Get papers out again: BibTeX, CSL-JSON, RIS, a Markdown reading list, reader JSON, CSV.

Every writer takes (Paper, PaperState) pairs and a text stream, writes as it
goes (an export of 100k papers is never built in memory) and returns how many
papers it wrote. `FORMATS` maps the names the CLI and the app offer to them.
A citation's key is the state's (`PaperState.key`, chosen once by the library:
see `Library.keyed`); a pair without one gets `citation_key`, made unique
within that export only.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from reader.citation import Keys, doi_of, entry_types, main_url, month_of, split_name, venue_of, year_of
from reader.citation import citation_key as citation_key  # export.citation_key, as it always was
from reader.ingest import readerjson
from reader.models import Paper, PaperState
from reader.tex import tex_to_text
from reader.text import inert, inert_json

Pairs = Iterable[tuple[Paper, PaperState]]


# Where each BibTeX type puts the venue: a journal's name, else the book or proceedings.
_IN_JOURNAL = {"article", "misc", "online", "unpublished"}


class Writable(Protocol):
    """Where a writer puts its text: the writers only call `write`, so a cleaning
    wrapper (text.CleanedStream) serves as well as a file."""

    def write(self, text: str, /) -> int: ...


# --- BibTeX --------------------------------------------------------------------

_MATH_SPAN = re.compile(r"(?<!\\)\$\$(?:[^$\\]|\\.)+\$\$|(?<!\\)\$(?:[^$\\]|\\.)+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)
_PLAIN_SPECIAL = re.compile(r"\\(?:[A-Za-z]+|[^A-Za-z\n\t])|[&%#_$^\\]|(?<!\S)~")
_SPECIALS = {
    "&": "\\&",
    "%": "\\%",
    "#": "\\#",
    "_": "\\_",
    "$": "\\$",
    "^": "\\textasciicircum{}",
    "\\": "\\textbackslash{}",
    "~": "\\textasciitilde{}",  # only at a word's start: `~10x` means "about", not a TeX tie
}
_BRACE = re.compile(r"[{}]")
_NEEDS_ESCAPE = re.compile(r"[\\{}&%#_$^~]")
_AND = re.compile(r"\band\b", re.I)
_WORD = re.compile(r"(?<![\w\\])[A-Za-z][A-Za-z0-9]*")


def to_bibtex(pairs: Pairs, out: Writable) -> int:
    """Entries of the paper's own type (`@article`, `@inproceedings`, ...; `@misc`
    for a preprint) with every citation field it holds, which BibTeX, biber and
    bibtexparser all accept.

    arXiv papers carry eprint/archivePrefix/primaryClass, so biblatex and
    natbib styles print a proper arXiv reference; the person's tags and note
    ride along in `keywords` and `annote`, which styles do not print.
    """
    keys = Keys()
    written = 0
    for paper, state in pairs:
        kind = entry_types(paper)[0]
        body = ",\n".join(f"  {name} = {value}" for name, value in _bib_fields(paper, state, kind))
        out.write(f"@{kind}{{{keys.of(paper, state)},\n{body}\n}}\n\n")
        written += 1
    return written


def _bib_fields(paper: Paper, state: PaperState, kind: str) -> list[tuple[str, str]]:
    """(name, value as written: braced, or a bare month macro) for each field the paper has."""
    venue = venue_of(paper)
    fields: list[tuple[str, str]] = [
        ("title", _protect_caps(bib_escape(paper.title))),
        ("author", " and ".join(_bib_name(a) for a in paper.authors)),
        ("journal" if kind in _IN_JOURNAL else "booktitle", bib_escape(venue)),
        ("editor", " and ".join(_bib_name(e) for e in paper.editors)),
        ("volume", bib_escape(paper.volume or "")),
        ("number", bib_escape(paper.number or "")),
        ("pages", bib_escape(paper.pages or "")),
        ("publisher", bib_escape(paper.publisher or "")),
        ("year", year_of(paper)),
    ]
    if paper.arxiv_id:
        fields += [
            ("eprint", paper.arxiv_id),
            ("archivePrefix", "arXiv"),
            ("primaryClass", paper.categories[0] if paper.categories else ""),
        ]
    fields += [
        ("url", main_url(paper)),
        ("doi", doi_of(paper)),
        ("abstract", bib_escape(paper.abstract)),
        ("keywords", bib_escape(", ".join(state.tags))),
        ("annote", bib_escape(state.note)),
    ]
    written = [(name, f"{{{value}}}") for name, value in fields if value]
    if month := month_of(paper):
        # BibTeX's own month macros (`jan`): styles print them in the document's language.
        at = next(i for i, (name, _) in enumerate(written) if name == "year") + 1 if year_of(paper) else len(written)
        written.insert(at, ("month", _MONTH_MACROS[int(month) - 1] if month.isdigit() else f"{{{bib_escape(month)}}}"))
    # The source's other fields, raw TeX as read; where reader wrote a field itself, its own.
    have = {name.casefold() for name, _ in written}
    written += [(name, f"{{{_balance(value)}}}") for name, value in paper.extra if name not in have]
    return written


_MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def bib_escape(text: str) -> str:
    """Text safe inside a braced BibTeX value and in LaTeX.

    Raw text from arXiv and BibTeX already holds TeX (`$\\alpha$`, `\\'e`,
    `\\%`), which must pass untouched; plain text (`50% & more`) must not
    break LaTeX. So math spans and backslash commands are kept, and only the
    specials outside them are escaped. Braces stay only when they balance:
    BibTeX counts every brace, escaped or not, to find the value's end.
    """
    if not _NEEDS_ESCAPE.search(text):
        return text
    pieces: list[str] = []
    last = 0
    for match in _MATH_SPAN.finditer(text):
        pieces.append(_escape_plain(text[last : match.start()]))
        pieces.append(match.group().replace("\\{", "\\lbrace{}").replace("\\}", "\\rbrace{}"))
        last = match.end()
    pieces.append(_escape_plain(text[last:]))
    return _balance("".join(pieces))


def _escape_plain(text: str) -> str:
    return _PLAIN_SPECIAL.sub(_escape_one, text)


def _escape_one(match: re.Match) -> str:
    found = match.group()
    if found in ("\\{", "\\}"):
        # BibTeX counts `\{` as a brace and bibtexparser does not: write no
        # escaped brace at all, so both find the value's end in the same place.
        return "\\textbraceleft{}" if found == "\\{" else "\\textbraceright{}"
    if len(found) > 1:
        return found  # already TeX: `\%`, `\'e`, `\emph`
    return _SPECIALS[found]


def _balance(text: str) -> str:
    """Replace the braces that have no partner (BibTeX would misread the entry's end)."""
    unmatched: list[int] = []
    opened: list[int] = []
    for brace in _BRACE.finditer(text):
        if brace.group() == "{":
            opened.append(brace.start())
        elif opened:
            opened.pop()
        else:
            unmatched.append(brace.start())
    unmatched += opened
    if not unmatched:
        return text
    chars = list(text)
    for i in unmatched:
        chars[i] = "\\textbraceleft{}" if text[i] == "{" else "\\textbraceright{}"
    return "".join(chars)


def _protect_caps(title: str) -> str:
    """Brace acronyms and CamelCase (`{LLM}s`, `{LoRA}`) so styles keep their case."""
    if "{" in title:
        return title  # the source already chose what to protect

    def protect(match: re.Match) -> str:
        word = match.group()
        return f"{{{word}}}" if any(c.isupper() for c in word[1:]) else word

    pieces: list[str] = []
    last = 0
    for match in _MATH_SPAN.finditer(title):
        pieces.append(_WORD.sub(protect, title[last : match.start()]))
        pieces.append(match.group())
        last = match.end()
    pieces.append(_WORD.sub(protect, title[last:]))
    return "".join(pieces)


def _bib_name(name: str) -> str:
    name = " ".join(name.split())
    if name == "et al.":
        return "others"  # BibTeX's own spelling of a cut-short author list
    # A comma or a lone "and" inside one name would make BibTeX split it wrongly.
    if "," in name or _AND.search(name):
        return "{" + bib_escape(name.replace("{", "").replace("}", "")) + "}"
    return bib_escape(name)


# --- Markdown ------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def to_markdown(pairs: Pairs, out: Writable, title: str = "Reading list") -> int:
    """A checklist people paste into a notes app: read papers are ticked."""
    out.write(f"# {title}\n\n")
    written = 0
    for paper, state in pairs:
        box = "x" if state.read else " "
        star = " ★" if state.bookmarked else ""
        head = markdown_link(paper) or _md(tex_to_text(paper.title))
        out.write(f"- [{box}] **{head}**{star}\n")
        details = [_md(_authors_short(paper.authors)), year_of(paper)]
        if paper.arxiv_id:
            details.append(f"arXiv:{paper.arxiv_id}")
        details.append(" ".join(f"`{t.replace('`', '')}`" for t in state.tags))
        line = " · ".join(d for d in details if d)
        if line:
            out.write(f"  {line}\n")
        for note_line in state.note.strip().splitlines():
            out.write(f"  > {note_line}\n" if note_line.strip() else "  >\n")
        written += 1
    if not written:
        out.write("_No papers._\n")
    return written


def markdown_link(paper: Paper) -> str:
    """`[Title](<url>)`, or '' for a paper with no link."""
    url = main_url(paper)
    return f"[{_md(tex_to_text(paper.title))}](<{url}>)" if url else ""


def _authors_short(authors: tuple[str, ...], shown: int = 5) -> str:
    names = [tex_to_text(a) for a in authors[:shown]]
    if len(authors) > shown:
        return ", ".join(names) + f" et al. ({len(authors)} authors)"
    return ", ".join(names)


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


# --- one paper, for the clipboard -------------------------------------------------


def paper_links(paper: Paper) -> list[str]:
    """Every address of the paper, its page first (the arXiv abstract page when it has one).

    Made inert (see `snippet`): they are shown, copied and handed to a browser.
    """
    return [inert(url) for url in dict.fromkeys((main_url(paper), *paper.links)) if url]


def _bibtex_entry(paper: Paper, state: PaperState) -> str:
    out = io.StringIO()
    to_bibtex([(paper, state)], out)
    return out.getvalue().strip() + "\n"


SNIPPETS: dict[str, Callable[[Paper, PaperState], str]] = {
    "key": lambda paper, state: state.key or citation_key(paper),
    "title": lambda paper, state: " ".join(tex_to_text(paper.title).split()),
    "url": lambda paper, state: main_url(paper),
    "bibtex": _bibtex_entry,
    "markdown": lambda paper, state: markdown_link(paper),
    "abstract": lambda paper, state: tex_to_text(paper.abstract).strip(),
}


def snippet(paper: Paper, state: PaperState, what: str) -> str:
    """One of `SNIPPETS` for one paper ('' when the paper has none, e.g. no link).

    Made inert: text from a downloaded listing ends up pasted into a terminal
    or an editor, where a stray escape sequence would act.
    """
    return inert(SNIPPETS[what](paper, state))


# --- reader JSON ---------------------------------------------------------------


def to_json(pairs: Pairs, out: Writable) -> int:
    """reader's own format: `reader import` reads it back with the state.

    One paper per line inside the array, so a big export streams out and
    diffs well; a blank state is left out (absent means blank on import).
    Controls and bidi marks are written as \\u escapes (`inert_json`): the data
    is the same, and `cat` of the file shows it rather than acting on it.
    """
    out.write(f'{{"format": "{readerjson.FORMAT}", "version": {readerjson.VERSION}, "papers": [')
    written = 0
    for paper, state in pairs:
        record = paper.to_dict()
        if state != PaperState():
            record["state"] = state.to_dict()
        out.write(",\n" if written else "\n")
        out.write(inert_json(record))
        written += 1
    out.write("\n]}\n")
    return written


# --- CSL-JSON and RIS: what Zotero, Mendeley, EndNote and pandoc import ---------------


def to_csl_json(pairs: Pairs, out: Writable) -> int:
    """A CSL-JSON array (CSL 1.0.1's schema: id, type, title...), one item per line.

    Text is rendered from TeX: CSL processors print it as it is. A preprint's
    arXiv id is its `number` (`arXiv:2406.12345`), as Zotero writes it.
    """
    keys = Keys()
    out.write("[")
    written = 0
    for paper, state in pairs:
        out.write(",\n" if written else "\n")
        out.write(inert_json(_csl_item(paper, state, keys.of(paper, state))))
        written += 1
    out.write("\n]\n")
    return written


def _csl_item(paper: Paper, state: PaperState, key: str) -> dict:
    item: dict = {"id": key, "type": entry_types(paper)[1], "title": _plain(paper.title)}
    people = {"author": paper.authors, "editor": paper.editors}
    for role, names in people.items():
        if names:
            item[role] = [_csl_name(name) for name in names]
    if parts := _date_parts(paper):
        item["issued"] = {"date-parts": [parts]}
    texts = {
        "container-title": venue_of(paper),
        "volume": paper.volume,
        "issue": paper.number,
        "page": (paper.pages or "").replace("--", "-"),
        "publisher": paper.publisher,
        "number": f"arXiv:{paper.arxiv_id}" if paper.arxiv_id and not paper.number else None,
        "abstract": paper.abstract,
    }
    item.update((name, _plain(value)) for name, value in texts.items() if value)
    # Identifiers are not TeX: a `~` in a DOI or URL is a tilde, not a space.
    item.update((name, value) for name, value in (("DOI", doi_of(paper)), ("URL", main_url(paper))) if value)
    if state.tags:
        item["keyword"] = ", ".join(state.tags)
    if state.note:
        item["note"] = state.note
    item["citation-key"] = key
    return item


def _csl_name(name: str) -> dict[str, str]:
    family, given = split_name(name)
    return {"family": family, "given": given} if given else {"literal": family}


def _date_parts(paper: Paper) -> list[int]:
    """[year, month, day] as far as known; the arXiv id's year for a listing's preprint."""
    pieces = (paper.published or "").split("-")
    if not pieces[0].isdigit():
        return [int(year)] if (year := year_of(paper)) else []
    parts = [int(p) for p in pieces[:3] if p.isdigit()]
    if len(parts) == 1 and (month := month_of(paper)).isdigit():
        parts.append(int(month))
    return parts


def _plain(text: str) -> str:
    """A field as a reference manager shows it: TeX rendered (`\\'e` -> é, no case braces)."""
    return tex_to_text(text).strip()


def to_ris(pairs: Pairs, out: Writable) -> int:
    """RIS records (`TY  - JOUR` ... `ER  - `), one value per line, as Zotero and EndNote read them."""
    written = 0
    for paper, state in pairs:
        for tag, value in _ris_lines(paper, state):
            out.write(f"{tag}  - {value}\n")
        out.write("ER  - \n\n")
        written += 1
    return written


def _ris_lines(paper: Paper, state: PaperState) -> Iterator[tuple[str, str]]:
    yield "TY", entry_types(paper)[2]
    yield "TI", _plain(paper.title)
    for name in paper.authors:
        yield "AU", _ris_name(name)
    for name in paper.editors:
        yield "A2", _ris_name(name)
    if venue := venue_of(paper):
        yield "T2", _plain(venue)
    if year := year_of(paper):
        yield "PY", year
    if parts := _date_parts(paper):
        yield "DA", "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts)) + ("/" if len(parts) < 3 else "")
    pages = (paper.pages or "").replace("--", "-").split("-", 1)
    fields = (
        ("VL", paper.volume),
        ("IS", paper.number),
        ("SP", pages[0]),
        ("EP", pages[1] if len(pages) > 1 else ""),
        ("PB", paper.publisher),
        ("AB", paper.abstract),
    )
    for tag, value in fields:
        if value and (text := _one_line(_plain(value))):
            yield tag, text
    # Identifiers are not TeX: a `~` in a DOI or URL is a tilde, not a space.
    for tag, value in (("DO", doi_of(paper)), ("UR", main_url(paper))):
        if value:
            yield tag, _one_line(value)
    if note := _one_line(state.note):
        yield "N1", note
    for tag in state.tags:
        yield "KW", tag


def _ris_name(name: str) -> str:
    family, given = split_name(name)
    return f"{family}, {given}" if given else family


def _one_line(text: str) -> str:
    # A RIS value ends at the line's end: a newline would start a line that is no tag.
    return " ".join(text.split())


# --- CSV -----------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "key",
    "title",
    "authors",
    "year",
    "venue",
    "doi",
    "arxiv_id",
    "url",
    "abstract",
    "tags",
    "bookmarked",
    "read",
    "note",
)


def to_csv(pairs: Pairs, out: Writable) -> int:
    """For spreadsheets: readable text (TeX rendered), one row per paper."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    keys = Keys()
    written = 0
    for paper, state in pairs:
        writer.writerow(
            _cell(value)
            for value in (
                paper.id,
                keys.of(paper, state),
                tex_to_text(paper.title),
                "; ".join(tex_to_text(a) for a in paper.authors),
                year_of(paper),
                tex_to_text(venue_of(paper)),
                doi_of(paper),
                paper.arxiv_id or "",
                main_url(paper),
                tex_to_text(paper.abstract).strip(),
                "; ".join(state.tags),
                "yes" if state.bookmarked else "no",
                "yes" if state.read else "no",
                state.note,
            )
        )
        written += 1
    return written


def _cell(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets; a title
    # from a downloaded listing should never be able to do that.
    first, second = value[:1], value[1:2]
    if first in ("=", "+", "@", "\t", "\r") or (first == "-" and second.strip() and not second.isdigit()):
        return "'" + value
    return value


FORMATS: dict[str, Callable[[Pairs, Writable], int]] = {
    "bibtex": to_bibtex,
    "csl-json": to_csl_json,
    "ris": to_ris,
    "markdown": to_markdown,
    "json": to_json,
    "csv": to_csv,
}
# `.csl.json` before `.json` (reader's own JSON): the longer suffix is checked first.
SUFFIXES = {
    "bibtex": ".bib",
    "csl-json": ".csl.json",
    "ris": ".ris",
    "markdown": ".md",
    "json": ".json",
    "csv": ".csv",
}


def format_for_path(name: str) -> str | None:
    """`picks.bib` -> 'bibtex': lets `-o FILE` imply the format."""
    lowered = name.lower()
    return next((fmt for fmt, suffix in SUFFIXES.items() if lowered.endswith(suffix)), None)

"""Get papers out again: BibTeX, a Markdown reading list, reader JSON, CSV.

Every writer takes (Paper, PaperState) pairs and a text stream, writes as it
goes (an export of 100k papers is never built in memory) and returns how many
papers it wrote. `FORMATS` maps the names the CLI and the app offer to them.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import TextIO

from reader.ingest import readerjson
from reader.models import Paper, PaperState
from reader.tex import tex_to_text
from reader.text import inert, inert_json

Pairs = Iterable[tuple[Paper, PaperState]]

# Skipped when picking a citation key's title word: `kim2025pladis`, not `kim2025the`.
_STOPWORDS = set(
    "a an the on of in for to and with from towards toward via is are do does by at as we how what why when".split()
)


# --- BibTeX --------------------------------------------------------------------

_MATH_SPAN = re.compile(
    r"(?<!\\)\$\$(?:[^$\\]|\\.)+\$\$|(?<!\\)\$(?:[^$\\]|\\.)+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S
)
_PLAIN_SPECIAL = re.compile(r"\\(?:[A-Za-z]+|[^A-Za-z\n\t])|[&%#_$^\\]|(?<!\S)~")
_SPECIALS = {
    "&": "\\&", "%": "\\%", "#": "\\#", "_": "\\_", "$": "\\$",
    "^": "\\textasciicircum{}", "\\": "\\textbackslash{}",
    "~": "\\textasciitilde{}",  # only at a word's start: `~10x` means "about", not a TeX tie
}
_BRACE = re.compile(r"[{}]")
_NEEDS_ESCAPE = re.compile(r"[\\{}&%#_$^~]")
_AND = re.compile(r"\band\b", re.I)
_WORD = re.compile(r"(?<![\w\\])[A-Za-z][A-Za-z0-9]*")


def to_bibtex(pairs: Pairs, out: TextIO) -> int:
    """`@misc` entries BibTeX, biber and bibtexparser all accept.

    arXiv papers carry eprint/archivePrefix/primaryClass, so biblatex and
    natbib styles print a proper arXiv reference; the person's tags and note
    ride along in `keywords` and `annote`, which styles do not print.
    """
    keys: set[str] = set()
    written = 0
    for paper, state in pairs:
        key = _unique(_cite_key(paper), keys)
        year = year_of(paper)
        fields: list[tuple[str, str]] = [
            ("title", _protect_caps(bib_escape(paper.title))),
            ("author", " and ".join(_bib_name(a) for a in paper.authors)),
            ("year", year),
        ]
        if paper.arxiv_id:
            fields += [
                ("eprint", paper.arxiv_id),
                ("archivePrefix", "arXiv"),
                ("primaryClass", paper.categories[0] if paper.categories else ""),
            ]
        url = _main_url(paper)
        fields += [("url", url), ("doi", _doi(paper))]
        fields += [
            ("abstract", bib_escape(paper.abstract)),
            ("keywords", bib_escape(", ".join(state.tags))),
            ("annote", bib_escape(state.note)),
        ]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        out.write(f"@misc{{{key},\n{body}\n}}\n\n")
        written += 1
    return written


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


def year_of(paper: Paper) -> str:
    """The publication year, else the one an arXiv id encodes (2606.22798 -> 2026).

    A daily listing gives no date, but a new-style id starts with YYMM and an
    old one (hep-th/9901001) with YYMM after the slash.
    """
    year = (paper.published or "")[:4]
    if year.isdigit():
        return year
    match = re.match(r"(?:[a-z-]+(?:\.[A-Z]{2})?/)?(\d{2})(\d{2})", paper.arxiv_id or "")
    if not match:
        return ""
    yy = int(match.group(1))
    return f"{2000 + yy if yy < 91 else 1900 + yy}"


def _cite_key(paper: Paper) -> str:
    """firstauthorlastname + year + first word of the title: `kim2025pladis`."""
    name = tex_to_text(paper.authors[0]).split() if paper.authors and paper.authors[0] != "et al." else []
    last = _ascii(name[-1]).replace(" ", "") if name else ""
    words = [w for w in _ascii(tex_to_text(paper.title)).split() if w not in _STOPWORDS]
    return f"{last or 'anon'}{year_of(paper)}{words[0] if words else 'paper'}"


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def _unique(key: str, taken: set[str]) -> str:
    candidate, n = key, 0
    while candidate in taken:
        n += 1
        candidate = key + _letters(n)
    taken.add(candidate)
    return candidate


def _letters(n: int) -> str:
    """1 -> b, 2 -> c, ... 25 -> z, 26 -> ba: the first paper keeps the bare key."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    if n < 26:
        return letters[n]
    return letters[n // 26 % 26] + letters[n % 26] if n < 26 * 26 else str(n)


def _main_url(paper: Paper) -> str:
    if paper.arxiv_id:
        return f"https://arxiv.org/abs/{paper.arxiv_id}"
    pages = [link for link in paper.links if not link.startswith("https://doi.org/")]
    return (pages or list(paper.links) or [""])[0]


def _doi(paper: Paper) -> str:
    return next((link[len("https://doi.org/"):] for link in paper.links if link.startswith("https://doi.org/")), "")


# --- Markdown ------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def to_markdown(pairs: Pairs, out: TextIO, title: str = "Reading list") -> int:
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
    url = _main_url(paper)
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
    return [inert(url) for url in dict.fromkeys((_main_url(paper), *paper.links)) if url]


def _bibtex_entry(paper: Paper, state: PaperState) -> str:
    out = io.StringIO()
    to_bibtex([(paper, state)], out)
    return out.getvalue().strip() + "\n"


SNIPPETS: dict[str, Callable[[Paper, PaperState], str]] = {
    "title": lambda paper, state: " ".join(tex_to_text(paper.title).split()),
    "url": lambda paper, state: _main_url(paper),
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


def to_json(pairs: Pairs, out: TextIO) -> int:
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


# --- CSV -----------------------------------------------------------------------

CSV_COLUMNS = ("id", "title", "authors", "year", "arxiv_id", "url", "tags", "bookmarked", "read", "note")


def to_csv(pairs: Pairs, out: TextIO) -> int:
    """For spreadsheets: readable text (TeX rendered), one row per paper."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    written = 0
    for paper, state in pairs:
        writer.writerow(
            _cell(value)
            for value in (
                paper.id,
                tex_to_text(paper.title),
                "; ".join(tex_to_text(a) for a in paper.authors),
                year_of(paper),
                paper.arxiv_id or "",
                _main_url(paper),
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


FORMATS: dict[str, Callable[[Pairs, TextIO], int]] = {
    "bibtex": to_bibtex,
    "markdown": to_markdown,
    "json": to_json,
    "csv": to_csv,
}
SUFFIXES = {"bibtex": ".bib", "markdown": ".md", "json": ".json", "csv": ".csv"}


def format_for_path(name: str) -> str | None:
    """`picks.bib` -> 'bibtex': lets `-o FILE` imply the format."""
    lowered = name.lower()
    return next((fmt for fmt, suffix in SUFFIXES.items() if lowered.endswith(suffix)), None)

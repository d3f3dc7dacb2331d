"""BibTeX files: a small, forgiving reader for what people's .bib files hold.

Values are kept as written (TeX and all): the store keeps the raw text and the
display renders it. `@proceedings` entries describe a volume, not a paper: they
are not imported as papers, but their date fills in the papers that follow
(PMLR files put one at the top and give papers no year of their own).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from reader.ingest.common import arxiv_id_in, arxiv_links, collapse_whitespace, day_in_name, iso_day, paper_id, unwrap
from reader.models import Paper, Problem, Source, normalise_doi, parse_arxiv_id

NAME = "bibtex"

_ENTRY_START = re.compile(r"@\s*([A-Za-z][\w-]*)\s*([{(])")
# A line that opens a new entry with a key: inside an unclosed entry, it means
# the previous one lost a closing brace.
_FRESH_ENTRY = re.compile(r"^\s*@\s*[A-Za-z][\w-]*\s*[{(]\s*[^\s,={}()\"#%']+\s*,")
_SNIFF = re.compile(r"(?m)^[\ufeff \t]*@[ \t]*[A-Za-z]+[ \t]*[{(][ \t]*[^\s,={}()\"#%']+[ \t]*,")
_DELIMITER = re.compile(r'[{}()"]')
_BRACE_OR_QUOTE = re.compile(r'[{}"]')
_SPACES = re.compile(r"\s*")
_SPACES_AND_COMMAS = re.compile(r"[\s,]*")
_STRAY = re.compile(r"}|^\s*[A-Za-z][\w-]*\s*=\s*[{\"]")
_NAME_TOKEN = re.compile(r"[^\s=,{}\"#()]+")
_AND = re.compile(r"\s+and\s+", re.I)
_ARXIV_IN_TEXT = re.compile(r"(?:arxiv[:\s]*|abs/)(\d{4}\.\d{4,5})(?:v\d+)?", re.I)
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")  # `2023a` too: a year told apart from another by a letter
_EDTF = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

NOT_PAPERS = {"proceedings", "mvproceedings", "collection", "mvcollection", "periodical", "set", "xdata"}
_SKIPPED = {"comment", "preamble"}
_MONTHS = {
    m: f"{i:02d}" for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}

MACRO_GROWTH = 10
"""Times the text read so far that the uses of @string macros may add: a real
.bib's macros name journals and months, adding far less than the entries hold."""
MACRO_ALLOWANCE = 1_000_000
"""Characters macros may add whatever the text read (a long macro used a few times)."""


def sniff(head: str) -> bool:
    return bool(_SNIFF.search(head))


@dataclass
class _Entry:
    kind: str
    line: int
    body: list[str] = field(default_factory=list)
    broken: str = ""  # why the entry cannot be trusted, when it cannot


class _Macros:
    """@string macros, and what their uses have added so far.

    Each use copies a macro's value, so a few macros that each double the one
    before, or one long macro used in every entry, would build gigabytes from a
    small file. What uses add is held to a multiple of the text read, as a
    compressed file's growth is.
    """

    def __init__(self) -> None:
        self.values = dict(_MONTHS)
        self.read = 0
        self._added = 0

    def expand(self, word: str) -> str:
        value = self.values.get(word.casefold())
        if value is None:
            return word
        self._added += len(value)
        if self._added > MACRO_ALLOWANCE + MACRO_GROWTH * self.read:
            raise _RunawayMacros(f"@string macros expand to over {self._added:,} characters from {self.read:,} read")
        return value


class _RunawayMacros(Exception):
    """The file's macros grow past any real .bib's: nothing more of it is read."""


def parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]:
    from reader.ingest import IngestError  # the package imports this module first

    try:
        yield from _parse(stream, file_name)
    except _RunawayMacros as error:
        raise IngestError(f"{file_name}: {error}, which no real .bib does (a hostile file?); reading stopped") from None


def _parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]:
    macros = _Macros()
    volumes: dict[str, dict[str, str]] = {}
    volume: dict[str, str] = {}
    parents = _Parents()
    lines: dict[str, int] = {}  # citation key -> line of its first entry
    ordinal = 0
    for entry in _entries(stream):
        if entry.kind in _SKIPPED:
            continue
        body = "".join(entry.body)
        macros.read += len(body)
        if entry.kind == "string":
            if not entry.broken:
                _, fields, _, _ = _fields(body, macros, keyed=False)
                macros.values.update(fields)
            continue
        ordinal += 1
        if entry.broken:
            yield Problem(file_name, entry.broken, ordinal)
            continue
        key, fields, error, repeated = _fields(body, macros)
        if error:
            yield Problem(file_name, f"entry {key or '?'} (line {entry.line}): {error}; entry skipped", ordinal)
            continue
        if (first := lines.setdefault(key.casefold(), entry.line)) != entry.line:
            yield Problem(
                file_name,
                f"entry {key} (line {entry.line}): the key {key} is used again (first at line {first}); both kept",
                ordinal,
            )
        for name in repeated:
            yield Problem(
                file_name, f"entry {key} (line {entry.line}): field {name!r} is given more than once; the last one kept", ordinal
            )
        if entry.kind in NOT_PAPERS:
            volume = fields
            volumes[key.casefold()] = fields
        for child in parents.arrived(key, fields):
            yield _paper(*child, volumes.get(child[3].get("crossref", "").casefold(), volume), file_name)
        if entry.kind in NOT_PAPERS:
            continue
        child = (entry.kind, entry.line, key, fields, ordinal)
        if parents.inherit(child):
            shared = volumes.get(fields.get("crossref", "").casefold(), volume)
            yield _paper(*child, shared, file_name)
        for at, line in parents.cycles():
            yield Problem(file_name, line, at)
    for child in parents.orphans():
        yield _paper(*child, volume, file_name)
    for at, line in parents.cycles():
        yield Problem(file_name, line, at)


_Child = tuple[str, int, str, dict[str, str], int]  # kind, line, key, fields, ordinal


class _Parents:
    """biblatex `crossref` and `xdata`: an entry takes the fields it lacks from
    the entries it names (a chapter its book's date, publisher and title as its
    booktitle), and they from theirs (a proceedings its series' date). Any entry
    of a chain may come after those naming it, as biblatex allows, so a child
    waits until every entry up its chain was read (or the file ends), and the
    chain is walked only then. Only the inheritable fields and the parents'
    names of each entry are kept, so a 100k-entry file costs little, and a child
    waits under one missing ancestor's key, so an arrival looks only at the
    children waiting for it.
    """

    def __init__(self) -> None:
        self._known: dict[str, tuple[dict[str, str], list[str]]] = {}  # key -> (inheritable fields, parents)
        self._waiting: dict[str, list[_Child]] = {}  # an ancestor not yet read -> the children waiting for it
        self._cycles: set[frozenset[str]] = set()  # every cycle met, so each is named once
        self._unsaid: list[tuple[int, str]] = []  # (ordinal, line) of those not yet taken

    def arrived(self, key: str, fields: dict[str, str]) -> list[_Child]:
        """The children that now have every ancestor they wait for."""
        kept = {name: value for name, value in fields.items() if name in _INHERITED}
        if "title" in fields:
            kept.setdefault("booktitle", fields["title"])
        self._known[key.casefold()] = (kept, _parent_names(fields))
        return [child for child in self._waiting.pop(key.casefold(), ()) if self.inherit(child)]

    def inherit(self, child: _Child) -> bool:
        """Fill the child's fields from its ancestors; False while one is still to come."""
        chain = self._chain(child)
        missing = next((name for name in chain if name not in self._known), None)
        if missing is not None:
            self._waiting.setdefault(missing, []).append(child)
            return False
        self._fill(child, chain)
        return True

    def orphans(self) -> list[_Child]:
        """Children an ancestor of which never came, in file order: read with what
        they have (and what the ancestors that did come give)."""
        children = sorted((c for waiting in self._waiting.values() for c in waiting), key=lambda c: c[4])
        for child in children:
            self._fill(child, self._chain(child))
        return children

    def cycles(self) -> list[tuple[int, str]]:
        """(ordinal, line) naming each cycle met since the last call."""
        unsaid, self._unsaid = self._unsaid, []
        return unsaid

    def _fill(self, child: _Child, chain: list[str]) -> None:
        for name in chain:
            for field_name, value in self._known.get(name, ({}, []))[0].items():
                child[3].setdefault(field_name, value)

    def _chain(self, child: _Child) -> list[str]:
        """The child's ancestors (casefolded keys), nearest first, depth-first as
        biblatex looks them up, each once; one not yet read ends its branch. A
        cycle (a -> b -> a) is cut where it closes, and named."""
        key, fields = child[2], child[3]
        chain: list[str] = []
        seen = {key.casefold()}
        path, folded_path = [key], [key.casefold()]  # from the child down to the entry looked at
        todo = [iter(_parent_names(fields))]  # a stack, not recursion: a hostile file's chain may be long
        while todo:
            name = next(todo[-1], None)
            if name is None:
                todo.pop()
                path.pop()
                folded_path.pop()
                continue
            folded = name.casefold()
            if folded in folded_path:
                self._name_cycle([*path[folded_path.index(folded) :], name], child)
            elif folded not in seen:
                seen.add(folded)
                chain.append(folded)
                if folded in self._known:
                    path.append(name)
                    folded_path.append(folded)
                    todo.append(iter(self._known[folded][1]))
        return chain

    def _name_cycle(self, cycle: list[str], child: _Child) -> None:
        members = frozenset(step.casefold() for step in cycle)
        if members not in self._cycles:
            self._cycles.add(members)
            _, line, key, _, ordinal = child
            loop = " -> ".join(cycle)
            self._unsaid.append(
                (ordinal, f"entry {key} (line {line}): crossref cycle {loop}; each entry in it inherits the others' fields once")
            )


_INHERITED = {
    "date",
    "year",
    "month",
    "publisher",
    "editor",
    "volume",
    "number",
    "series",
    "location",
    "address",
    "organization",
    "journal",
    "journaltitle",
    "booktitle",
    "eventtitle",
    "institution",
    "school",
}


def _parent_names(fields: dict[str, str]) -> list[str]:
    names = [fields["crossref"].strip()] if fields.get("crossref", "").strip() else []
    names += [name.strip() for name in fields.get("xdata", "").split(",") if name.strip()]
    return names


def _entries(stream: TextIO) -> Iterator[_Entry]:
    """Entries with their bodies cut out by brace counting, as BibTeX does.

    An entry left open is reported when the next line that starts an entry
    appears (or the file ends), so a missing brace costs one entry, not the
    rest of the file. A `}` too many closes an entry early; the leftover text
    that follows gives it away, and that entry is reported rather than
    imported with fields missing.
    """
    entry: _Entry | None = None
    finished: _Entry | None = None  # held back until we know nothing stray follows it
    depth = 0
    closer = "}"
    in_quote = False
    for line_no, line in enumerate(iter(stream.readline, ""), 1):
        if line.isspace():  # most lines between entries; all of a flood of blank lines
            if entry is not None:
                entry.body.append(line)  # it may part an abstract's paragraphs
            continue
        at = 0
        if entry is not None and depth > 0 and _FRESH_ENTRY.match(line):
            entry.broken = f"the entry at line {entry.line} never closes (a missing '}}'?); entry skipped"
            yield entry
            entry = None
        while at < len(line):
            if entry is None:
                if line.lstrip().startswith("%"):
                    break
                match = _ENTRY_START.search(line, at)
                stray = _STRAY.search(line[at : match.start() if match else len(line)])
                if stray and finished is not None and not finished.broken:
                    finished.broken = (
                        f"the entry at line {finished.line} closes early (a '}}' too many?): "
                        f"stray text follows at line {line_no}; entry skipped"
                    )
                if not match:
                    break
                if finished is not None:
                    yield finished
                    finished = None
                entry = _Entry(match.group(1).casefold(), line_no)
                closer = "}" if match.group(2) == "{" else ")"
                depth, in_quote, at = 1, False, match.end()
                continue
            start = at
            at = len(line)
            # Only delimiters matter here; a regex skips the text between them fast.
            for mark in _DELIMITER.finditer(line, start):
                char = mark.group()
                if char == "{":
                    depth += 1
                elif char == "}":
                    depth -= 1
                    if depth == 0:
                        if closer == ")":
                            entry.broken = f"the entry at line {entry.line} has a '}}' with no '{{'; entry skipped"
                        at = mark.end()
                        break
                elif closer == ")" and depth == 1:
                    if char == '"':
                        in_quote = not in_quote
                    elif char == ")" and not in_quote:
                        depth = 0
                        at = mark.end()
                        break
            if depth == 0:
                entry.body.append(line[start : at - 1])
                finished, entry = entry, None
            else:
                entry.body.append(line[start:at])
    if finished is not None:
        yield finished
    if entry is not None:
        entry.broken = f"the file ends inside the entry at line {entry.line} (a missing '}}'?); entry skipped"
        yield entry


def _fields(body: str, macros: _Macros, keyed: bool = True) -> tuple[str, dict[str, str], str, list[str]]:
    """(citation key, fields with lower-case names, error, fields given twice) of one entry's body.

    Of a repeated field the last value is kept: hand-merged entries (and
    tools that append a corrected DOI) put the complete value last, and which
    one was dropped is named in the import report.
    """
    at = 0
    key = ""
    if keyed:
        comma = body.find(",")
        key = (body if comma < 0 else body[:comma]).strip()
        at = len(body) if comma < 0 else comma + 1
    fields: dict[str, str] = {}
    repeated: list[str] = []
    while True:
        # Regexes, not a loop per character, skip the text between marks: a value
        # can be megabytes long.
        at = _past(_SPACES_AND_COMMAS, body, at)
        if at >= len(body):
            return key, fields, "", repeated
        name = _NAME_TOKEN.match(body, at)
        if not name:
            return key, fields, f"cannot read a field name at {body[at : at + 20]!r}", repeated
        at = _past(_SPACES, body, name.end())
        if at >= len(body) or body[at] != "=":
            return key, fields, f"field {name.group()!r} has no '='", repeated
        value, at, error = _value(body, at + 1, macros)
        if error:
            return key, fields, f"field {name.group()!r}: {error}", repeated
        field_name = name.group().casefold()
        if field_name in fields and field_name not in repeated:
            repeated.append(field_name)
        fields[field_name] = value


def _value(body: str, at: int, macros: _Macros) -> tuple[str, int, str]:
    """One value: `{...}`, `"..."`, a number or a macro, joined by `#`."""
    parts: list[str] = []
    while True:
        at = _past(_SPACES, body, at)
        if at >= len(body):
            return "", at, "the value is missing"
        char = body[at]
        if char in '{"':
            end = _closing(body, at)
            if end < 0:
                return "", len(body), "the value never ends (unbalanced braces or quotes)"
            if body[end] != ("}" if char == "{" else '"'):
                return "", end, "a '}' with no '{'"
            parts.append(body[at + 1 : end])
            at = end + 1
        else:
            token = _NAME_TOKEN.match(body, at)
            if not token:
                return "", at, f"unexpected {char!r}"
            word = token.group()
            parts.append(word if word.isdigit() else macros.expand(word))
            at = token.end()
        at = _past(_SPACES, body, at)
        if at < len(body) and body[at] == "#":
            at += 1
            continue
        return "".join(parts), at, ""


def _closing(body: str, at: int) -> int:
    """Where the `{...}` or `"..."` value opened at `at` ends (-1: it never does).

    The end is the mark that closes it, or a `}` that closes nothing, which
    makes a quoted value broken."""
    opener, depth = body[at], 0
    for mark in _BRACE_OR_QUOTE.finditer(body, at + 1):
        c = mark.group()
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return mark.start()
            depth -= 1
        elif opener == '"' and depth == 0:
            return mark.start()
    return -1


def _paper(
    kind: str, line: int, key: str, fields: dict[str, str], ordinal: int, volume: dict[str, str], file_name: str
) -> Paper | Problem:
    title = collapse_whitespace(fields.get("title", ""))
    if not title.strip("{} "):
        return Problem(file_name, f"entry {key or '?'} (line {line}) has no title", ordinal)
    arxiv_id = _arxiv_id(fields)
    links = list(arxiv_links(arxiv_id)) if arxiv_id else []
    links += _pmlr_links(key, volume)
    for name in ("url", "pdf", "software", "code", "video"):
        value = _url(fields.get(name, ""))
        if value.startswith(("http://", "https://")):
            links.append(value)
    doi = normalise_doi(_url(fields.get("doi", "")))
    if doi:
        links.append(f"https://doi.org/{doi}")
    if openreview := collapse_whitespace(fields.get("openreview", "")):
        links.append(openreview if openreview.startswith("http") else f"https://openreview.net/forum?id={openreview}")
    categories = collapse_whitespace(fields.get("primaryclass", ""))
    published = _published(fields, volume)
    return Paper(
        id=paper_id(arxiv_id, title),
        title=title,
        abstract=unwrap(fields.get("abstract", ""), indented_paragraphs=False),
        authors=authors(fields.get("author", "")),
        links=tuple(dict.fromkeys(links)),
        sources=(Source(file_name, NAME, ordinal, day_in_name(file_name)),),
        arxiv_id=arxiv_id,
        categories=(categories,) if categories else (),
        published=published,
        entry_type=kind,
        venue=_text(fields, "journaltitle", "journal", "booktitle", "eprinttype", "archiveprefix"),
        volume=_text(fields, "volume"),
        number=_text(fields, "number", "issue"),
        pages=_text(fields, "pages"),
        publisher=_text(fields, "publisher"),
        month=published[5:7]
        if published and len(published) >= 7
        else month_number(fields.get("month", "")) or _text(fields, "month"),
        doi=doi,
        editors=authors(fields.get("editor", "")),
        files=_files(fields.get("file", "")),
        extra=tuple((name, value.strip()) for name, value in fields.items() if name not in HELD and value.strip()),
        cite_key=key or None,
    )


HELD = frozenset(
    "title author editor abstract file crossref xdata journal journaltitle booktitle volume number issue "
    "pages publisher year date month doi url".split()
)
"""The fields Paper holds in fields of its own (or, for crossref/xdata, resolved into
the entry); every other field of an entry is kept as it is in `Paper.extra`, so a
.bib exported again loses nothing (eprint, keywords... are kept too: the export
writes its own when it has one, else the source's)."""


def _text(fields: dict[str, str], *names: str) -> str | None:
    """The first of these fields that has a value, on one line."""
    return next((value for name in names if (value := collapse_whitespace(fields.get(name, "")))), None)


_URL_ESCAPE = re.compile(r"\\([_%&#$])")


def _url(value: str) -> str:
    r"""A URL or DOI without TeX's escapes: DBLP writes `10.1007/978-3-642-24550-3\_29`."""
    return _URL_ESCAPE.sub(r"\1", collapse_whitespace(value))


def _files(value: str) -> tuple[str, ...]:
    r"""JabRef, Zotero and Mendeley's `file = {Description:path/to.pdf:PDF;...}`
    (`\:` escapes a colon, as in `C\:/papers`), or a bare path."""
    paths = []
    for item in re.split(r"(?<!\\);", collapse_whitespace(value)):
        parts = re.split(r"(?<!\\):", item)
        path = parts[1] if len(parts) >= 3 else item
        path = path.replace("\\:", ":").replace("\\;", ";").strip()
        if path:
            paths.append(path)
    return tuple(paths)


def _pmlr_links(key: str, volume: dict[str, str]) -> list[str]:
    """PMLR .bib files carry no URLs, but their volume entry (with the
    `shortname`/`conference_url` fields only PMLR's site generator uses) makes
    every paper's page address predictable."""
    number = volume.get("volume", "").strip()
    is_pmlr = "shortname" in volume and "conference_url" in volume
    if not (is_pmlr and number.isdigit() and re.fullmatch(r"[\w.-]+", key)):
        return []
    base = f"https://proceedings.mlr.press/v{number}/{key}"
    return [f"{base}.html", f"{base}/{key}.pdf"]


def authors(value: str) -> tuple[str, ...]:
    """`Last, First and First Last and others` -> ('First Last', 'First Last', 'et al.')."""
    names = []
    for raw in _split_top_level(collapse_whitespace(value)):
        parts = [p.strip() for p in _split_commas(raw)]
        if len(parts) == 1:
            name = parts[0]
        elif len(parts) == 2:
            name = f"{parts[1]} {parts[0]}"
        else:  # von Last, Jr, First
            name = f"{parts[2]} {parts[0]} {parts[1]}"
        name = collapse_whitespace(name)
        if name.startswith("{") and name.endswith("}") and name.count("{") == 1:
            name = name[1:-1]  # {Google DeepMind}: braces only stop BibTeX splitting it
        if name.casefold() == "others":
            name = "et al."
        if name:
            names.append(name)
    return tuple(names)


def _split_top_level(value: str) -> list[str]:
    """Split on ` and ` outside braces, as BibTeX does."""
    pieces, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value, re.I):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            pieces.append(value[start : match.start()])
            start = match.end()
    pieces.append(value[start:])
    return [p.strip() for p in pieces if p.strip()]


def _split_commas(name: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(name):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            parts.append(name[start:i])
            start = i + 1
    parts.append(name[start:])
    return [p for p in parts if p.strip()] or [name]


def _arxiv_id(fields: dict[str, str]) -> str | None:
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "arxiv").strip().casefold()
    if prefix == "arxiv" and (found := parse_arxiv_id(fields.get("eprint", "").strip())):
        return found
    for name in ("arxivid", "arxiv", "url", "doi"):
        if found := arxiv_id_in(fields.get(name, "")):
            return found
    if match := re.search(r"10\.48550/arxiv\.(\d{4}\.\d{4,5})", fields.get("doi", ""), re.I):
        return match.group(1)
    for name in ("journal", "volume", "note", "howpublished"):
        if match := _ARXIV_IN_TEXT.search(fields.get(name, "")):
            return match.group(1)
    return None


def _published(fields: dict[str, str], volume: dict[str, str]) -> str | None:
    """The most precise date the entry (or its volume) gives.

    Only a full date is YYYY-MM-DD; a BibTeX entry often knows just the year
    (and month), given as `YYYY` or `YYYY-MM` rather than inventing a day.
    """
    if date := _biblatex_date(fields.get("date", "")):
        return date
    year_match = _YEAR.search(fields.get("year", ""))
    year = year_match.group(1) if year_match else None
    volume_day = iso_day(volume.get("published", "")) or iso_day(volume.get("date", ""))
    if volume_day and (year is None or volume_day.startswith(year)):
        return volume_day
    if year is None:
        return None
    month = month_number(fields.get("month", ""))
    return f"{year}-{month}" if month else year


def _biblatex_date(value: str) -> str | None:
    """biblatex's `date`: `2006`, `1991-03`, `2004-10-27`, or a range (`1984/1986`,
    `1968-05-19/1968-05-25`) whose start is the date. Only what is given: no day is invented."""
    match = _EDTF.match(value)
    if not match:
        return None
    year, month, day = match.groups()
    if day and (full := iso_day(f"{year}-{month}-{day}")):
        return full
    if month and 1 <= int(month) <= 12:
        return f"{year}-{month}"
    return year


def month_number(value: str) -> str | None:
    """`may`, `5`, `05`, `May` -> `05`, else None."""
    value = value.strip().casefold()
    if value.isdigit() and 1 <= int(value) <= 12:
        return f"{int(value):02d}"
    return _MONTHS.get(value[:3])


def _past(run: re.Pattern[str], body: str, at: int) -> int:
    """Where `run`, a pattern that also matches nothing, stops matching from `at`."""
    match = run.match(body, at)
    assert match is not None  # every pattern given here matches the empty string
    return match.end()

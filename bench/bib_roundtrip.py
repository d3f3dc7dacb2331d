"""Real .bib files through `reader import` and `reader export`: how much of each citation field survives?

    python bench/bib_roundtrip.py [FILE.bib ...]

Default files: the real ones in /work/shared/corpora (biblatex's examples, a DBLP
export, two PMLR volumes). For each file: import it into a fresh home (no seed
papers), export every paper as BibTeX, then read the input and the output with
bibtexparser 2.x (an independent parser) and pair entries by citation key (import
keeps a .bib's own keys). An input entry with no output entry of its key (merged
into another paper of the same title and year, say) counts as lost for each of its
fields in `kept`; `kept_by_paper` pairs such an entry with the output entry of its
title and year instead: the paper it became, whose values may be the same.
For each field people cite with (those Paper holds, and the others it keeps in
`extra`), count the input entries that have it and how many output
entries hold the same value, compared as a reader of the bibliography would
(braces, spacing and case aside; `#`-joined @string macros expanded; `jan` = `1`; `1-10` = `1--10`; a DOI without its
resolver). biblatex's `journaltitle` counts as `journal`. A field inherited
through `crossref` is not in the input entry, so it is not counted.

Prints one JSON object: per file and in total, per field, `input`, `kept`,
`kept_by_paper` and `ratio` (of `kept`; target: >= 0.99 for every field), and the
input keys with no output entry (`merged_keys`).
"""

from __future__ import annotations

import io
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

import bibtexparser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reader import export  # noqa: E402
from reader.library import Library  # noqa: E402

FIELDS = ("journal", "booktitle", "pages", "volume", "number", "publisher", "month", "doi") + (
    "school",
    "institution",
    "address",
    "location",
    "note",
    "edition",
    "isbn",
    "series",
    "howpublished",
    "organization",
    "chapter",
    "eprinttype",
)
_WORK = ("title", "year")  # what pairs an entry merged away with the paper it became
ALIASES = {"journaltitle": "journal", "issue": "number"}
DEFAULT_FILES = sorted(Path("/work/shared/corpora/interop/bibtex-real").glob("*.bib")) + sorted(
    Path("/work/shared/corpora/bibtex-pmlr").glob("*.bib")
)
NOT_PAPERS = {"proceedings", "mvproceedings", "collection", "mvcollection", "periodical", "set", "xdata"}
MONTHS = {m: str(i) for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def normalised(name: str, value: str) -> str:
    text = " ".join(re.sub(r"[{}]", "", value).split()).casefold()
    if name == "month":
        text = MONTHS.get(text[:3], text.lstrip("0"))
    elif name == "pages":
        text = re.sub(r"\s*-+\s*", "-", text)
    elif name == "doi":
        text = re.sub(r"^https?://(dx\.)?doi\.org/", "", text.replace("\\_", "_"))
    return text


def entries(text: str) -> dict[str, dict[str, str]]:
    """citation key -> {field: normalised value, and "title"/"year"}, for the entries that are papers."""
    library = bibtexparser.parse_string(text)
    strings = {s.key.casefold(): s.value.strip('{}"') for s in library.strings}
    found: dict[str, dict[str, str]] = {}
    for entry in library.entries:
        fields = {ALIASES.get(k.lower(), k.lower()): _concatenated(str(f.value), strings) for k, f in entry.fields_dict.items()}
        if "title" in fields and entry.entry_type.lower() not in NOT_PAPERS:
            kept = {name: normalised(name, fields[name]) for name in FIELDS + _WORK if name in fields}
            found.setdefault(entry.key, kept)
    return found


def _concatenated(value: str, strings: dict[str, str]) -> str:
    """`dtv # { and Walter de Gruyter}`: bibtexparser leaves BibTeX's `#` joins of @string
    macros as written; joined here as BibTeX does."""
    if " # " not in value:
        return value
    return "".join(strings.get(part.strip().casefold(), part.strip().strip('{}"')) for part in value.split("#"))


def _work(fields: dict[str, str]) -> tuple[str, str]:
    return re.sub(r"\W+", " ", fields.get("title", "")).strip(), fields.get("year", "")[:4]


def roundtrip(path: Path) -> tuple[dict[str, dict[str, int]], list[str]]:
    with tempfile.TemporaryDirectory() as home:
        library = Library.open(home, seed=False)  # this file's papers only
        library.import_paths([path])
        out = io.StringIO()
        export.to_bibtex(library.keyed(list(library.papers)), out)  # what `reader export -o x.bib` writes
        exported = entries(out.getvalue())
    given = entries(path.read_text(encoding="utf-8", errors="replace"))
    by_work = {_work(fields): fields for fields in exported.values()}
    counts: dict[str, Counter] = {name: Counter() for name in FIELDS}
    merged = sorted(key for key in given if key not in exported)
    for key, fields in given.items():
        back = exported.get(key, {})
        paper = back or by_work.get(_work(fields), {})
        for name, value in fields.items():
            if name in _WORK:
                continue
            counts[name]["input"] += 1
            counts[name]["kept"] += back.get(name) == value
            counts[name]["kept_by_paper"] += paper.get(name) == value
    return {name: dict(c) for name, c in counts.items()}, merged


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or DEFAULT_FILES
    report: dict[str, dict] = {"files": {}, "total": {}, "merged_keys": {}}
    totals = {name: Counter() for name in FIELDS}
    for path in files:
        counts, merged = roundtrip(path)
        report["files"][path.name] = _with_ratios(counts)
        if merged:
            report["merged_keys"][path.name] = merged
        for name, c in counts.items():
            totals[name].update(c)
    report["total"] = _with_ratios({name: dict(c) for name, c in totals.items()})
    print(json.dumps(report, indent=1))
    return 0


def _with_ratios(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
    return {
        name: {
            "input": c.get("input", 0),
            "kept": c.get("kept", 0),
            "kept_by_paper": c.get("kept_by_paper", 0),
            "ratio": round(c.get("kept", 0) / c["input"], 4) if c.get("input") else None,
        }
        for name, c in counts.items()
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

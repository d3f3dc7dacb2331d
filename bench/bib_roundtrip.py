"""Real .bib files through `reader import` and `reader export`: how much of each citation field survives?

    python bench/bib_roundtrip.py [FILE.bib ...]

Default files: the real ones in /work/shared/corpora (biblatex's examples, a DBLP
export, two PMLR volumes). For each file: import it into a fresh home (no seed
papers), export every paper as BibTeX, then read the input and the output with
bibtexparser 2.x (an independent parser) and pair entries by citation key (import
keeps a .bib's own keys). An input entry with no output entry of its key (merged
into another paper of the same title, say) counts as lost for each of its fields.
For each field people cite with (those Paper holds, and the others it keeps in
`extra`), count the input entries that have it and how many output
entries hold the same value, compared as a reader of the bibliography would
(braces, spacing and case aside; `#`-joined @string macros expanded; `jan` = `1`; `1-10` = `1--10`; a DOI without its
resolver). biblatex's `journaltitle` counts as `journal`. A field inherited
through `crossref` is not in the input entry, so it is not counted.

Prints one JSON object: per file and in total, per field, `input`, `kept` and
`ratio` (target: >= 0.99 for every field).
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
    """citation key -> {field: normalised value}, for the entries that are papers."""
    library = bibtexparser.parse_string(text)
    strings = {s.key.casefold(): s.value.strip('{}"') for s in library.strings}
    found: dict[str, dict[str, str]] = {}
    for entry in library.entries:
        fields = {ALIASES.get(k.lower(), k.lower()): _concatenated(str(f.value), strings) for k, f in entry.fields_dict.items()}
        if "title" in fields and entry.entry_type.lower() not in NOT_PAPERS:
            found.setdefault(entry.key, {name: normalised(name, fields[name]) for name in FIELDS if name in fields})
    return found


def _concatenated(value: str, strings: dict[str, str]) -> str:
    """`dtv # { and Walter de Gruyter}`: bibtexparser leaves BibTeX's `#` joins of @string
    macros as written; joined here as BibTeX does."""
    if " # " not in value:
        return value
    return "".join(strings.get(part.strip().casefold(), part.strip().strip('{}"')) for part in value.split("#"))


def roundtrip(path: Path) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as home:
        library = Library.open(home, seed=False)  # this file's papers only
        library.import_paths([path])
        out = io.StringIO()
        export.to_bibtex(library.keyed(list(library.papers)), out)  # what `reader export -o x.bib` writes
        exported = entries(out.getvalue())
    given = entries(path.read_text(encoding="utf-8", errors="replace"))
    counts: dict[str, Counter] = {name: Counter() for name in FIELDS}
    for key, fields in given.items():
        back = exported.get(key, {})
        for name, value in fields.items():
            counts[name]["input"] += 1
            counts[name]["kept"] += back.get(name) == value
    return {name: dict(c) for name, c in counts.items()}


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or DEFAULT_FILES
    report: dict[str, dict] = {"files": {}, "total": {}}
    totals = {name: Counter() for name in FIELDS}
    for path in files:
        counts = roundtrip(path)
        report["files"][path.name] = _with_ratios(counts)
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
            "ratio": round(c.get("kept", 0) / c["input"], 4) if c.get("input") else None,
        }
        for name, c in counts.items()
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Exports people take elsewhere, and the reader JSON that comes back in."""

from __future__ import annotations

import csv
import io
import re

import bibtexparser
import pytest

from helpers.paths import CORPORA
from reader import export
from reader.ingest import bibtex, detect, read_file, readerjson
from reader.models import Paper, PaperState, Problem, Source, StatedPaper, title_key
from reader.tex import tex_to_text

PLAIN = Paper(
    id=title_key("50% & more_data #1 {x ^2 ~3 back\\slash"),
    title="50% & more_data #1 {x ^2 ~3 back\\slash",
    abstract="Costs $5 and 10% of {unbalanced; see https://x.org/a_b#c.",
    authors=("Ana O'Neil, Jr.", "Bob and Carol Ltd", "Zoë Ülker"),
    links=("https://example.org/paper",),
    sources=(Source("seed.txt", "hf-page", 3, "2024-06-01"),),
    published="2024-06-01",
)


def sample_papers() -> list[Paper]:
    """A few real papers from every format, so TeX-laden text is exercised."""
    picks: list[Paper] = [PLAIN]
    for path, take in [
        (CORPORA / "hf-daily-papers/daily/2024-06-21.json.gz", 40),
        (CORPORA / "hf-daily-papers/daily/2024-12-17.json.gz", 10),
        (CORPORA / "arxiv-daily-listing/daily/2026-06-03.jsonl.gz", 60),
        (CORPORA / "arxiv-kaggle-snapshot-sample/arxiv-metadata-oai-snapshot.head200.json", 60),
        (CORPORA / "arxiv-api-atom/query_all-electron_2025-11-21.xml", 10),
        (CORPORA / "bibtex-pmlr/colt23.bib", 60),
        (CORPORA / "bibtex-pmlr/UAI2023.bib", 30),
    ]:
        records = [r for r in read_file(path) if isinstance(r, Paper)]
        picks += records[:take]
    return list({p.id: p for p in picks}.values())


@pytest.fixture(scope="module")
def pairs() -> list[tuple[Paper, PaperState]]:
    states = [
        PaperState(),
        PaperState(read=True, updated="2026-01-02T03:04:05+00:00"),
        PaperState(
            bookmarked=True, tags=("to-read", "diffusion"), note="Check eq. 3\nand the 50% claim", updated="2026-01-03T00:00:00Z"
        ),
        PaperState(tags=("ünïcode tag",), note="= not a formula"),
    ]
    return [(paper, states[i % len(states)]) for i, paper in enumerate(sample_papers())]


# --- reader JSON ---------------------------------------------------------------


def test_json_export_reads_back_identically_with_state(pairs, tmp_path):
    path = tmp_path / "backup.json"
    with open(path, "w", encoding="utf-8") as out:
        assert export.to_json(pairs, out) == len(pairs)
    assert detect(path.read_text(encoding="utf-8")[:65536]) == "reader-json"
    back = list(read_file(path))
    assert not [r for r in back if isinstance(r, Problem)]
    restored = [(r.paper, r.state) if isinstance(r, StatedPaper) else (r, PaperState()) for r in back]
    assert restored == pairs


def test_json_blank_state_is_left_out_and_merged_papers_keep_all_provenance():
    merged = PLAIN.merged(
        Paper(PLAIN.id, PLAIN.title, "longer abstract " * 10, sources=(Source("b.bib", "bibtex", 1),), upvotes=4)
    )
    out = io.StringIO()
    export.to_json([(merged, PaperState())], out)
    (record,) = readerjson.parse(io.StringIO(out.getvalue()), "x.json")
    assert record == merged and len(record.sources) == 2
    assert '"state"' not in out.getvalue()


# --- BibTeX --------------------------------------------------------------------


def split_authors(value: str) -> list[str]:
    """Split on ` and ` outside braces, as BibTeX does."""
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value):
        if match.group() == "{":
            depth += 1
        elif match.group() == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start : match.start()])
            start = match.end()
    return names + [value[start:]]


@pytest.fixture(scope="module")
def bib(pairs) -> str:
    out = io.StringIO()
    assert export.to_bibtex(pairs, out) == len(pairs)
    return out.getvalue()


def test_bibtex_is_accepted_by_a_real_parser_with_unique_keys(pairs, bib):
    library = bibtexparser.parse_string(bib)
    assert library.failed_blocks == []
    assert len(library.entries) == len(pairs)
    keys = [entry.key for entry in library.entries]
    assert len(set(keys)) == len(keys)
    assert all(re.fullmatch(r"[a-z0-9]+", key) for key in keys)


def test_bibtex_entries_carry_the_right_fields(pairs, bib):
    library = bibtexparser.parse_string(bib)
    for (paper, state), entry in zip(pairs, library.entries, strict=True):
        fields = {name.lower(): f.value for name, f in entry.fields_dict.items()}
        # A listing's preprint is @misc; a BibTeX paper keeps its own type (PMLR's @inproceedings).
        assert entry.entry_type == (paper.entry_type or "misc").lower()
        # What a reader of the bibliography sees is what the app shows.
        assert tex_to_text(fields["title"]) == tex_to_text(paper.title)
        assert len(split_authors(fields["author"])) == len(paper.authors)
        if paper.arxiv_id:
            assert fields["eprint"] == paper.arxiv_id
            assert fields["archiveprefix"] == "arXiv"
            assert fields["url"] == f"https://arxiv.org/abs/{paper.arxiv_id}"
            assert fields["year"] == export.year_of(paper) != ""
        if paper.categories:
            assert fields["primaryclass"] == paper.categories[0]
        if state.tags:
            assert tex_to_text(fields["keywords"]) == ", ".join(state.tags)


def test_bibtex_escapes_plain_text_so_latex_survives(bib):
    library = bibtexparser.parse_string(bib)
    entry = next(e for e in library.entries if "more" in e.fields_dict["title"].value)
    title = entry.fields_dict["title"].value
    assert r"50\% \& more\_data \#1" in title
    assert tex_to_text(title) == PLAIN.title
    assert tex_to_text(entry.fields_dict["abstract"].value) == PLAIN.abstract
    assert entry.fields_dict["author"].value == r"{Ana O'Neil, Jr.} and {Bob and Carol Ltd} and Zoë Ülker"


def test_bibtex_keeps_tex_that_is_already_tex():
    paper = Paper("t", r"Beyond Poincar\'e: $\alpha$-{B}ayes at 50\%", r"Uses $\mathcal{O}(n^2)$ and \emph{x}.")
    out = io.StringIO()
    export.to_bibtex([(paper, PaperState())], out)
    assert r"title = {Beyond Poincar\'e: $\alpha$-{B}ayes at 50\%}" in out.getvalue()
    assert r"abstract = {Uses $\mathcal{O}(n^2)$ and \emph{x}.}" in out.getvalue()


def test_bibtex_keys_are_author_year_word_with_suffixes_for_clashes():
    a = Paper(
        "arxiv:2503.07677", "PLADIS: Pushing the Limits", "", ("Kwanyoung Kim",), arxiv_id="2503.07677", published="2025-03-10"
    )
    b = Paper("x", "The Pladis Again", "", ("Jin Kim",), published="2025-01-01")
    c = Paper("y", "Pladis, third", "", ("Ann Kim",), published="2025-05-05")
    nobody = Paper("z", "On Nothing", "")
    out = io.StringIO()
    export.to_bibtex([(a, PaperState()), (b, PaperState()), (c, PaperState()), (nobody, PaperState())], out)
    keys = re.findall(r"@\w+\{([^,]+),", out.getvalue())
    assert keys == ["kim2025pladis", "kim2025pladisb", "kim2025pladisc", "anonnothing"]


def test_bibtex_export_imports_back_as_the_same_papers(pairs, bib):
    back = list(bibtex.parse(io.StringIO(bib), "export.bib"))
    assert not [r for r in back if isinstance(r, Problem)]
    assert len(back) == len(pairs)
    for (paper, _), again in zip(pairs, back, strict=True):
        # arXiv papers come back under the same id; PMLR and page-dump papers
        # under the same title key, so a re-import merges instead of duplicating.
        assert again.id == paper.id or again.keys[-1] == paper.keys[-1] or paper is PLAIN
        assert again.arxiv_id == paper.arxiv_id
        assert len(again.authors) == len(paper.authors)


# --- Markdown --------------------------------------------------------------------


def test_markdown_reading_list_reads_like_one(pairs):
    out = io.StringIO()
    export.to_markdown(pairs, out)
    text = out.getvalue()
    assert text.startswith("# Reading list\n")
    assert text.count("\n- [") == len(pairs)
    read = next(p for p, s in pairs if s.read and p.arxiv_id)
    assert f"- [x] **[{tex_to_text(read.title)}](<https://arxiv.org/abs/{read.arxiv_id}>)**" in text
    assert f"arXiv:{read.arxiv_id}" in text
    assert "★" in text and "`to-read` `diffusion`" in text
    assert "  > Check eq. 3\n  > and the 50% claim\n" in text
    assert "$\\" not in text  # TeX rendered for people
    assert r"50% & more\_data #1" not in text and r"more\_data \#1" in text  # markdown specials escaped


def test_markdown_of_nothing_says_so():
    out = io.StringIO()
    assert export.to_markdown([], out) == 0
    assert "No papers" in out.getvalue()


# --- CSV -------------------------------------------------------------------------


def test_csv_for_spreadsheets(pairs):
    out = io.StringIO()
    export.to_csv(pairs, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(export.CSV_COLUMNS)
    assert len(rows) == len(pairs)
    by_id = {row["id"]: row for row in rows}
    for paper, state in pairs:
        row = by_id[paper.id]
        assert row["authors"].count("; ") == max(len(paper.authors) - 1, 0)
        assert row["bookmarked"] == ("yes" if state.bookmarked else "no")
        assert row["read"] == ("yes" if state.read else "no")
        assert row["year"] == export.year_of(paper)
    noted = next(row for row in rows if row["note"].startswith("Check"))
    assert noted["note"] == "Check eq. 3\nand the 50% claim" and noted["tags"] == "to-read; diffusion"
    assert any(row["note"] == "'= not a formula" for row in rows)  # never run as a formula


def test_every_format_is_offered_by_name_and_suffix():
    assert set(export.FORMATS) == {"bibtex", "csl-json", "ris", "markdown", "json", "csv"}
    assert export.format_for_path("picks.BIB") == "bibtex" and export.format_for_path("x.txt") is None
    assert export.format_for_path("zotero.csl.json") == "csl-json" and export.format_for_path("backup.json") == "json"
    assert export.format_for_path("endnote.RIS") == "ris"

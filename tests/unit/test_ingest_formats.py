"""The real-format parsers against the real corpora, plus hostile input.

Counts are the ones the issue promises a person importing these files; the
distinct counts merge records the way the library does (see `distinct`).
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.paths import CORPORA
from reader.ingest import (
    FORMATS,
    IngestError,
    arxivlisting,
    arxivsnapshot,
    atom,
    bibtex,
    detect,
    expand_paths,
    hfjson,
    open_text,
    read_file,
    readerjson,
)
from reader.models import Paper, Problem, StatedPaper, arxiv_key, title_key

HF_DAYS = CORPORA / "hf-daily-papers" / "daily"
HF_JSONL = CORPORA / "hf-daily-papers" / "hf_daily_papers_all.jsonl.gz"
LISTING = CORPORA / "arxiv-daily-listing"
SNAPSHOT = CORPORA / "arxiv-kaggle-snapshot-sample" / "arxiv-metadata-oai-snapshot.head200.json"
ATOM = CORPORA / "arxiv-api-atom"
BIBTEX = CORPORA / "bibtex-pmlr"


def load(*paths: Path) -> tuple[list[Paper], list[Problem]]:
    files, problems = expand_paths(paths)
    papers: list[Paper] = []
    for file in files:
        for record in read_file(file):
            (problems if isinstance(record, Problem) else papers).append(record)
    return papers, problems


def distinct(papers: list[Paper]) -> dict[str, Paper]:
    """Merge as the library does: one arXiv id is one paper; a title alone
    identifies a paper only when one side has no arXiv id (EvTexture and
    EvTexture++ share a normalised title but are two papers)."""
    merged: dict[str, Paper] = {}
    by_key: dict[str, str] = {}
    for paper in papers:
        hit = by_key.get(arxiv_key(paper.arxiv_id)) if paper.arxiv_id else None
        if hit is None:
            candidate = by_key.get(title_key(paper.title))
            if candidate and not (paper.arxiv_id and merged[candidate].arxiv_id):
                hit = candidate
        if hit is None:
            merged[paper.id] = paper
            hit = paper.id
        else:
            merged[hit] = merged[hit].merged(paper)
        for key in merged[hit].keys:
            by_key.setdefault(key, hit)
    return merged


def parse_text(module, text: str, name: str = "input") -> list:
    return list(module.parse(io.StringIO(text), name))


@pytest.fixture(scope="module")
def hf_days():
    return load(HF_DAYS)


@pytest.fixture(scope="module")
def listing():
    return load(LISTING)


# --- sniffing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "folder, expected",
    [
        (HF_DAYS, "hf-json"),
        (HF_JSONL, "hf-json"),
        (LISTING, "arxiv-listing"),
        (SNAPSHOT, "arxiv-snapshot"),
        (ATOM, "arxiv-atom"),
        (BIBTEX, "bibtex"),
    ],
)
def test_every_corpus_file_is_recognised_as_its_format(folder, expected):
    files, _ = expand_paths([folder])
    assert files
    for file in files:
        with open_text(file) as stream:
            head = stream.read(64 * 1024)
        matches = [name for name, module in FORMATS.items() if module.sniff(head)]
        assert matches == [expected], file.name


def test_the_corpus_readme_is_not_mistaken_for_papers():
    assert detect((CORPORA / "README.md").read_text()) is None


def test_formats_are_sniffed_most_specific_first_and_page_dumps_last():
    names = list(FORMATS)
    assert names[0] == "reader-json" and names[-1] == "hf-page"


# --- Hugging Face daily_papers -------------------------------------------------


def test_hf_days_import_every_item_as_the_issue_counts(hf_days):
    papers, problems = hf_days
    assert problems == []
    assert len(papers) == 9_881
    assert len(distinct(papers)) == 9_877


def test_hf_paper_met_on_two_days_is_one_paper_with_both_days_and_the_higher_upvotes(hf_days):
    paper = distinct(hf_days[0])["arxiv:2604.07429"]
    assert [s.date for s in paper.sources] == ["2026-04-10", "2026-04-16"]
    assert paper.upvotes == 42


def test_hf_odd_days_python_repr_and_wrapped_object_all_import():
    odd = sorted(HF_DAYS.glob("2024-12-*.json.gz")) + sorted(HF_DAYS.glob("2025-01-*.json.gz"))
    papers, problems = load(*odd)
    assert problems == []
    double_encoded, _ = load(HF_DAYS / "2024-12-17.json.gz")
    assert double_encoded and all(p.arxiv_id and p.authors and p.abstract for p in double_encoded)
    wrapped, _ = load(HF_DAYS / "2025-01-10.json.gz")
    assert len(wrapped) == 9  # the object's "count"
    assert wrapped[0].id == "arxiv:2501.05441" and wrapped[0].sources[0].date == "2025-01-10"


def test_hf_record_is_unwrapped_and_complete(hf_days):
    paper = distinct(hf_days[0])["arxiv:2503.07677"]
    assert paper.title == ("PLADIS: Pushing the Limits of Attention in Diffusion Models at Inference Time by Leveraging Sparsity")
    assert "\n" not in paper.abstract and paper.abstract.startswith("Diffusion models have shown")
    assert paper.authors[:2] == ("Kwanyoung Kim", "Byeongsu Sim")
    assert paper.published == "2025-03-10"
    assert paper.upvotes == 46
    assert paper.links[0] == "https://arxiv.org/abs/2503.07677"
    assert "https://huggingface.co/papers/2503.07677" in paper.links
    assert paper.sources[0].format == "hf-json" and paper.sources[0].date == "2025-03-17"


def test_hf_keeps_paragraph_breaks_and_the_tex_title(hf_days):
    papers = distinct(hf_days[0])
    arithmetic = papers["arxiv:2405.17399"].abstract
    assert "digit inside of a large span" in arithmetic  # a hard wrap joined with a space
    assert "\n\nWith positions resolved" in arithmetic  # an indented line starts a paragraph
    # The API strips TeX from paper.title; the item's own title keeps it for display.
    assert papers["arxiv:2406.14347"].title.startswith("$\\nabla^2$DFT")


def test_hf_code_links_are_kept(hf_days):
    with_code = [p for p in hf_days[0] if any("github.com" in link for link in p.links)]
    assert len(with_code) > 3_000
    assert all(p.links[0].startswith("https://arxiv.org/abs/") for p in with_code)


def test_hf_json_lines_file_gives_the_same_papers_as_the_days(hf_days):
    papers, problems = load(HF_JSONL)
    assert problems == [] and len(papers) == 9_881
    days = distinct(hf_days[0])
    lines = distinct(papers)
    assert lines.keys() == days.keys()
    assert all(lines[k].title == days[k].title for k in list(days)[::97])
    assert papers[0].sources[0].date == "2024-05-27"  # from `_archive_date`


# --- arXiv listing, snapshot, Atom ----------------------------------------------


def test_listing_lines_and_distinct_papers(listing):
    papers, problems = listing
    assert problems == []
    assert len(papers) == 11_509
    assert len(distinct(papers)) == 6_633


def test_listing_record_fields(listing):
    paper = next(p for p in listing[0] if p.arxiv_id == "2605.30355")
    assert paper.title.startswith("Cosm: Collective Switched Motion")
    assert paper.authors == ("Kenneth M. Zick", "Nikhil Shukla", "Alexander Marakov")
    assert paper.categories == ("cs.CE", "math.OC", "physics.comp-ph")
    assert paper.links[0] == "https://arxiv.org/abs/2605.30355"
    assert paper.sources[0].date == "2026-06-01"


def test_weekend_listing_repeats_become_provenance_not_duplicates(listing):
    # Measured: 2606.20094 is on 12 lines (cross-listed within a day, repeated over the weekend).
    paper = distinct(listing[0])["arxiv:2606.20094"]
    assert len(paper.sources) == 12
    assert {s.date for s in paper.sources} == {"2026-06-19", "2026-06-20", "2026-06-21", "2026-06-22"}


def test_hf_days_and_listing_together(hf_days, listing):
    hf_ids = {p.arxiv_id for p in hf_days[0]}
    listing_ids = {p.arxiv_id for p in listing[0]}
    assert len(hf_ids & listing_ids) == 386
    merged = distinct(hf_days[0] + listing[0])
    assert len(merged) == 16_124
    shared = merged[arxiv_key(sorted(hf_ids & listing_ids)[0])]
    assert {s.format for s in shared.sources} == {"hf-json", "arxiv-listing"}
    assert shared.categories and shared.upvotes is not None


def test_snapshot_sample():
    papers, problems = load(SNAPSHOT)
    assert problems == [] and len(papers) == len(distinct(papers)) == 200
    first, second = papers[0], papers[1]
    assert first.id == "arxiv:0704.0001"
    assert first.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert first.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan")  # TeX in the raw string
    assert first.published == "2007-04-02"
    assert first.abstract.startswith("A fully differential") and not first.abstract.endswith("\n")
    assert second.categories == ("math.CO", "cs.CG")
    wrapped_authors = next(p for p in papers if "Neal J. Evans II" in p.authors)
    assert "Nicholas Chapman" in wrapped_authors.authors
    assert all("\n" not in p.title for p in papers)


def test_atom_feeds():
    papers, problems = load(ATOM)
    assert problems == [] and len(papers) == len(distinct(papers)) == 19
    surfaces = next(p for p in papers if p.arxiv_id == "2101.02199")  # id given as .../abs/2101.02199v5
    assert surfaces.authors == ("Paul Dario", "Matan Harel", "Ron Peled")
    assert surfaces.categories == ("math-ph", "math.PR")
    assert surfaces.published == "2021-01-06"
    assert surfaces.abstract.count("\n\n") == 3
    assert surfaces.sources[0].date == "2026-02-12"
    old = next(p for p in papers if p.arxiv_id == "cond-mat/0011267")
    assert old.abstract.startswith("We report")  # the old API's leading spaces are gone
    assert "(1D->2D)" in old.abstract  # XML entities decoded


# --- BibTeX ----------------------------------------------------------------------


def test_pmlr_bibtex_papers_and_not_the_volumes():
    papers, problems = load(BIBTEX)
    assert problems == []
    assert len(papers) == len(distinct(papers)) == 413
    assert not any(p.title.startswith("Proceedings of") for p in papers)
    colt = {p.sources[0].file for p in papers}
    assert colt == {"colt23.bib", "UAI2023.bib"}


def test_pmlr_bibtex_record_fields():
    colt, _ = load(BIBTEX / "colt23.bib")
    uai, _ = load(BIBTEX / "UAI2023.bib")
    assert len(colt) == 170 and len(uai) == 243
    langevin = colt[1]
    assert langevin.title.endswith("Beyond Poincar\\'e Inequality")  # raw TeX kept in the store
    assert langevin.authors[0] == "Alireza Mousavi-Hosseini"  # `Last, First` turned around
    assert langevin.published == "2023-07-12"  # the volume's date: PMLR entries carry no year
    assert langevin.links[0] == "https://proceedings.mlr.press/v195/mousavi-hosseini23a.html"
    submix = uai[0]
    assert submix.title == "SubMix: Learning to Mix Graph Sampling Heuristics"
    assert submix.authors[0] == "Sami Abu-El-Haija" and len(submix.authors) == 8
    assert "https://openreview.net/forum?id=R5qL4DOhL9S" in submix.links
    assert submix.abstract.startswith("Sampling subgraphs") and submix.published == "2023-07-02"


BIB = r"""
% a comment line with an @ sign: me@example.org
@string{ jmlr = "Journal of Machine Learning Research" }
@preamble{ "\newcommand{\noop}[1]{}" }
@comment{ BibDesk Static Groups{ <dict/> } }
@article{smith2020,
  author = {Smith, Jr, John and {Google DeepMind} and M{\"u}ller, Anna and others},
  title = "A {Bayesian} View of {\'E}tale Things",
  journal = jmlr # { (Online)},
  year = 2020, month = mar,
  eprint = {2001.00001v2}, archivePrefix = {arXiv}, primaryClass = {stat.ML},
}
@misc(paren2021, title = {Paren (entry) style}, year = {2021}, url = {https://example.org/p})
@book{nokey2019, title = {A Book}, author = {Doe, Jane}, doi = {10.1000/xyz}}
"""


def test_bibtex_syntax_people_use():
    records = parse_text(bibtex, BIB, "refs.bib")
    assert not [r for r in records if isinstance(r, Problem)]
    smith, paren, book = records
    assert smith.id == "arxiv:2001.00001" and smith.arxiv_id == "2001.00001"
    assert smith.authors == ("John Smith Jr", "Google DeepMind", 'Anna M{\\"u}ller', "et al.")
    assert smith.title == "A {Bayesian} View of {\\'E}tale Things"
    assert smith.categories == ("stat.ML",) and smith.published == "2020-03"
    assert smith.links[0] == "https://arxiv.org/abs/2001.00001"
    assert paren.title == "Paren (entry) style" and paren.links == ("https://example.org/p",)
    assert paren.id == title_key("Paren (entry) style") and paren.published == "2021"
    assert book.links == ("https://doi.org/10.1000/xyz",) and book.published is None


def test_bibtex_missing_brace_costs_one_entry():
    text = "@article{a, title = {First}}\n@article{b, title = {Broken, year = 2020,\n}\n@article{c, title = {Third}}\n"
    records = parse_text(bibtex, text)
    titles = [r.title for r in records if isinstance(r, Paper)]
    problems = [r for r in records if isinstance(r, Problem)]
    assert titles == ["First", "Third"]
    assert len(problems) == 1 and "line 2" in problems[0].message and problems[0].position == 2


def test_bibtex_extra_brace_is_reported_not_imported_half_read():
    text = "@article{a,\n  title = {Cut}} short},\n  author = {X, Y}\n}\n\n@article{b, title = {Fine}}\n"
    records = parse_text(bibtex, text)
    assert [r.title for r in records if isinstance(r, Paper)] == ["Fine"]
    (problem,) = [r for r in records if isinstance(r, Problem)]
    assert "line 1" in problem.message and "too many" in problem.message


def test_bibtex_file_ending_inside_an_entry():
    records = parse_text(bibtex, "@article{a, title = {Fine}}\n@article{b, title = {Never closed")
    assert isinstance(records[0], Paper) and isinstance(records[1], Problem)
    assert "ends inside" in records[1].message


def test_bibtex_unterminated_quote_and_missing_title():
    records = parse_text(bibtex, '@article{a, title = "no end}\n@article{b, author = {X, Y}}\n')
    assert all(isinstance(r, Problem) for r in records) and len(records) == 2


# --- hostile JSON and XML --------------------------------------------------------

HF_ITEM = '{"paper": {"id": "2401.00001", "title": "T", "summary": "S", "authors": [{"name": "A"}], "upvotes": 3}}'


def test_truncated_hf_array_keeps_the_good_items_then_says_so():
    records = parse_text(hfjson, f"[{HF_ITEM}, {HF_ITEM.replace('00001', '00002')}, {HF_ITEM[:40]}")
    assert [r.arxiv_id for r in records[:2]] == ["2401.00001", "2401.00002"]
    assert isinstance(records[2], Problem) and "record 2" in records[2].message


def test_hf_file_unusable_from_the_start_is_a_whole_file_error():
    with pytest.raises(IngestError):
        parse_text(hfjson, "[" + HF_ITEM[:30])
    with pytest.raises(IngestError):
        parse_text(hfjson, "Get trending papers, not JSON")


def test_hf_wrong_shapes_are_problems():
    records = parse_text(hfjson, '[1, "not a repr", {"paper": 3}, {"title": "no paper"}, ' + HF_ITEM + "]")
    assert [type(r) for r in records] == [Problem, Problem, Problem, Problem, Paper]


def test_json_lines_bad_line_is_one_problem():
    good = HF_ITEM + "\n"
    records = parse_text(hfjson, good + '{"paper": {"id": \n' + good.replace("00001", "00003"))
    assert [type(r) for r in records] == [Paper, Problem, Paper]
    assert records[1].position == 2


def test_listing_and_snapshot_records_without_titles_are_problems():
    records = parse_text(arxivlisting, '{"id": "2606.00001", "authors": [], "summary": "s", "abs": "x"}\n')
    assert isinstance(records[0], Problem)
    records = parse_text(arxivsnapshot, '{"id": "0704.0001", "title": null, "abstract": "a"}\n[]\n')
    assert all(isinstance(r, Problem) for r in records)


ATOM_HEAD = '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">'


def test_truncated_atom_keeps_entries_before_the_break():
    entry = "<entry><id>http://arxiv.org/abs/2101.02199v5</id><title>T</title><summary>S</summary></entry>"
    records = parse_text(atom, ATOM_HEAD + entry + "<entry><id>http://arxiv.org/abs/21")
    assert isinstance(records[0], Paper) and records[0].arxiv_id == "2101.02199"
    assert isinstance(records[1], Problem) and "after entry 1" in records[1].message


def test_arxiv_api_error_feed_is_a_problem_with_arxivs_message():
    entry = (
        "<entry><id>http://arxiv.org/api/errors#incorrect_id</id><title>Error</title>"
        "<summary>incorrect id format for 1234</summary></entry>"
    )
    (problem,) = parse_text(atom, ATOM_HEAD + entry + "</feed>")
    assert isinstance(problem, Problem) and "incorrect id format" in problem.message


def test_reader_json_refuses_other_or_newer_files():
    with pytest.raises(IngestError):
        parse_text(readerjson, '{"format": "reader", "version": 99, "papers": []}')
    with pytest.raises(IngestError):
        parse_text(readerjson, '{"papers": [], "format": "other"}')
    with pytest.raises(IngestError):
        parse_text(readerjson, "[1, 2]")


def test_reader_json_bad_record_is_a_problem_and_reading_goes_on():
    text = (
        '{"format": "reader", "version": 1, "papers": [\n'
        '{"id": "x", "title": "T", "authors": "not a list"},\n'
        '{"id": "y", "title": "U", "state": {"read": true, "tags": ["a"]}},\n'
        '{"id": "z", "title": "V"}'
    )
    first, second, third, last = parse_text(readerjson, text)
    assert isinstance(first, Problem) and "authors" in first.message
    assert isinstance(second, StatedPaper) and second.state.read and second.state.tags == ("a",)
    assert isinstance(third, Paper) and third.title == "V"
    assert isinstance(last, Problem) and "reading stopped after paper 3" in last.message  # never closed


@pytest.mark.parametrize(
    "module, text",
    [
        (hfjson, f"[{HF_ITEM}]"),
        (
            arxivlisting,
            '{"id": "2606.00001", "abs": "https://arxiv.org/abs/2606.00001", "authors": [], "title": "T", "summary": "S"}\n',
        ),
        (arxivsnapshot, '{"id": "0704.0001", "title": "T", "abstract": "A", "versions": []}\n'),
        (atom, ATOM_HEAD + "<entry><id>http://arxiv.org/abs/2101.02199v5</id><title>T</title></entry></feed>"),
        (bibtex, "@article{k, title = {T}}"),
        (readerjson, '{"format": "reader", "version": 1, "papers": [{"id": "x", "title": "T"}]}'),
    ],
)
def test_a_byte_order_mark_from_windows_tools_changes_nothing(module, text):
    marked = "\ufeff" + text
    assert detect(marked) == module.NAME
    (paper,) = parse_text(module, marked)
    assert isinstance(paper, Paper) and paper.title == "T"


def test_pretty_printed_objects_one_after_another():
    item = HF_ITEM.replace(", ", ",\n  ")
    records = parse_text(hfjson, item + "\n" + item.replace("00001", "00002"))
    assert [r.arxiv_id for r in records] == ["2401.00001", "2401.00002"]
    assert [r.sources[0].position for r in records] == [1, 2]


def test_gzipped_file_is_read_transparently(tmp_path):
    path = tmp_path / "day.json"  # no .gz in the name: the magic bytes decide
    path.write_bytes(gzip.compress(f"[{HF_ITEM}]".encode()))
    (paper,) = read_file(path)
    assert paper.arxiv_id == "2401.00001"


# --- any text at all -------------------------------------------------------------

_PREFIXES = st.sampled_from(
    [
        "",
        "[",
        "{",
        '{"paper": {"id": "2401.00001", "title": ',
        "@article{k,",
        "@misc(k, title = {",
        ATOM_HEAD,
        '{"format": "reader", "version": 1, "papers": [',
        '{"id": "0704.0001", "title": "x"}\n',
    ]
)


@pytest.mark.parametrize("module", [hfjson, arxivlisting, arxivsnapshot, atom, bibtex, readerjson])
@settings(max_examples=150, deadline=None)
@given(prefix=_PREFIXES, text=st.text(max_size=300))
def test_any_text_gives_records_or_a_whole_file_error(module, prefix, text):
    try:
        records = parse_text(module, prefix + text)
    except IngestError:
        return
    assert all(isinstance(r, (Paper, Problem, StatedPaper)) for r in records)
    assert all(r.id for r in records if isinstance(r, Paper))


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("ab \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2028é"), max_size=40), indented=st.booleans())
def test_an_abstract_is_unwrapped_by_its_paragraph_rules_however_it_is_spaced(text, indented):
    """Wrapped lines join with one space, a paragraph break stays one blank line, and
    no other run of whitespace is left: `unwrap` as it was before its shortcut for
    text already single-spaced."""
    from reader.ingest.common import _BLANK_LINE, _PARAGRAPH, collapse_whitespace, unwrap

    splitter = _PARAGRAPH if indented else _BLANK_LINE
    paragraphs = (collapse_whitespace(p) for p in splitter.split(text.strip()))
    assert unwrap(text, indented) == "\n\n".join(p for p in paragraphs if p)

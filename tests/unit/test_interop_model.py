"""Citation facts on a paper: kept through every way a library is stored, merged
across sources, and used for identity (DOI beside the arXiv id, TeX-blind titles)."""

import io
import json

import pytest

from reader import snapshot
from reader.export import to_json
from reader.ingest import readerjson
from reader.library import Library
from reader.models import BLANK_STATE, Paper, Source, normalise_doi, provenance_lines, title_key

FULL = Paper(
    id="doi:10.1145/3292500.3330701",
    title="Optuna: A Next-generation Hyperparameter Optimization Framework",
    abstract="",
    authors=("Takuya Akiba",),
    sources=(Source("refs.bib", "bibtex", 1),),
    published="2019-07",
    upvotes=3,
    entry_type="inproceedings",
    venue="Proceedings of KDD",
    volume="25",
    number="4",
    pages="2623--2631",
    publisher="ACM",
    month="07",
    doi="10.1145/3292500.3330701",
    editors=("Ankur Teredesai",),
    files=("/home/me/papers/optuna.pdf",),
)


def test_every_citation_fact_survives_the_reader_json_export():
    out = io.StringIO()
    to_json([(FULL, BLANK_STATE)], out)
    (back,) = readerjson.parse(io.StringIO(out.getvalue()), "export.json")
    assert back == FULL


def test_every_citation_fact_survives_library_json_and_its_snapshot(home, tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@inproceedings{optuna,\n title = {Optuna},\n booktitle = {Proceedings of KDD},\n"
        " doi = {10.1145/3292500.3330701},\n pages = {2623--2631},\n publisher = {ACM},\n year = 2019}\n"
    )
    library = Library.open(home, seed=False)
    library.import_paths([bib])
    paper = next(p for p in library.papers.values() if p.title == "Optuna")
    assert paper.doi == "10.1145/3292500.3330701"
    for _ in range(2):  # the first reopening parses library.json, the second reads the snapshot
        again = Library.open(home, seed=False)
        assert again.papers[paper.id] == paper
    assert (home / snapshot.PAPERS_FILE).exists()


def test_an_old_record_without_citation_facts_still_loads():
    record = {"id": "arxiv:2401.00001", "title": "T", "abstract": "", "sources": []}
    paper = Paper.from_dict(record)
    assert (paper.doi, paper.venue, paper.editors, paper.files) == (None, None, (), ())
    assert json.loads(json.dumps(paper.to_dict())) == record


def test_merging_keeps_the_first_known_citation_fact_and_unions_files():
    bare = Paper(id="arxiv:1907.10902", title="Optuna", abstract="", arxiv_id="1907.10902", files=("a.pdf",))
    merged = bare.merged(FULL)
    assert (merged.id, merged.venue, merged.doi, merged.editors) == (bare.id, FULL.venue, FULL.doi, FULL.editors)
    assert merged.files == ("a.pdf", FULL.files[0])
    assert FULL.merged(bare.__class__(id="x", title="", abstract="", venue="Elsewhere")).venue == FULL.venue


def test_dois_are_compared_without_resolver_prefix_case_or_tex_escapes():
    spellings = [
        "10.1145/3292500.3330701",
        "https://doi.org/10.1145/3292500.3330701",
        "doi:10.1145/3292500.3330701",
        "HTTPS://DX.DOI.ORG/10.1145/3292500.3330701",
    ]
    assert {normalise_doi(s) for s in spellings} == {"10.1145/3292500.3330701"}
    assert normalise_doi(r"10.1007/978-3-030-53288-8\_14") == "10.1007/978-3-030-53288-8_14"
    assert normalise_doi("not a doi") is None


def test_the_same_doi_under_two_titles_is_one_paper(home, tmp_path):
    (tmp_path / "a.bib").write_text("@article{a, title = {Deep Residual Learning}, doi = {10.1109/CVPR.2016.90}}\n")
    (tmp_path / "b.bib").write_text(
        "@article{b, title = {Deep residual learning for image recognition}, doi = {https://doi.org/10.1109/cvpr.2016.90}}\n"
    )
    library = Library.open(home, seed=False)
    report = library.import_paths([tmp_path / "a.bib", tmp_path / "b.bib"])
    assert (report.new, report.merged) == (1, 1)


def test_titles_that_differ_only_in_tex_braces_are_one_paper(home, tmp_path):
    (tmp_path / "a.bib").write_text(
        "@misc{a, title = {{GPT}-4 {T}echnical {R}eport}}\n@misc{c, title = {Py{T}orch: An Imperative Style}}\n"
    )
    (tmp_path / "b.bib").write_text(
        "@misc{b, title = {{GPT-4} Technical Report}}\n@misc{d, title = {{PyTorch}: An Imperative Style}}\n"
    )
    library = Library.open(home, seed=False)
    report = library.import_paths([tmp_path / "a.bib", tmp_path / "b.bib"])
    assert (report.new, report.merged) == (2, 2)
    assert title_key("{GPT}-4 {T}echnical {R}eport") == title_key("GPT-4 Technical Report")


def test_an_arxiv_atom_entry_and_a_bib_entry_with_its_doi_are_one_paper(home, tmp_path):
    from helpers.paths import CORPORA
    from reader.ingest import read_file

    atom = CORPORA / "arxiv-api-atom" / "query_all-electron_2025-11-21.xml"
    with_doi = next(p for p in read_file(atom) if isinstance(p, Paper) and p.doi)
    bib = tmp_path / "journal.bib"
    bib.write_text(f"@article{{j, title = {{A journal version's own title}}, doi = {{{with_doi.doi.upper()}}}}}\n")
    library = Library.open(home, seed=False)
    library.import_paths([atom])
    report = library.import_paths([bib])
    assert (report.new, report.merged) == (0, 1)
    assert library.papers[with_doi.id].doi == with_doi.doi


# --- one file's two works of one title -----------------------------------------------------


def test_a_reprint_the_bib_keeps_under_its_own_key_is_exported_with_its_own_publisher(home):
    import bibtexparser

    from helpers.paths import CORPORA
    from reader import export

    source = CORPORA / "interop/bibtex-real/plk_biblatex-examples.bib"
    library = Library.open(home, seed=False)
    library.import_paths([source])
    out = io.StringIO()
    export.to_bibtex(library.keyed(list(library.papers)), out)
    back = {e.key: {k: str(f.value) for k, f in e.fields_dict.items()} for e in bibtexparser.parse_string(out.getvalue()).entries}
    assert (back["kullback"]["publisher"], back["kullback"]["year"]) == ("John Wiley \\& Sons", "1959")
    assert (back["kullback:reprint"]["publisher"], back["kullback:reprint"]["year"]) == ("Dover Publications", "1997")
    assert (back["moore:related"]["journal"], back["moore:related"]["year"]) == ("Proceedings of the {IEEE}", "1998")
    assert Library.open(home).import_paths([source]).new == 0


def test_every_entry_of_the_biblatex_examples_is_exported_under_its_own_key(home):
    import bibtexparser

    from helpers.paths import CORPORA
    from reader import export
    from reader.ingest.bibtex import NOT_PAPERS

    source = CORPORA / "interop/bibtex-real/plk_biblatex-examples.bib"
    given = {e.key for e in bibtexparser.parse_file(str(source)).entries if e.entry_type.lower() not in NOT_PAPERS}
    library = Library.open(home, seed=False)
    library.import_paths([source])
    out = io.StringIO()
    export.to_bibtex(library.keyed(list(library.papers)), out)
    assert given - {e.key for e in bibtexparser.parse_string(out.getvalue()).entries} == set()
    assert Library.open(home).import_paths([source]).new == 0


def test_one_files_records_of_one_title_are_two_papers_when_their_dois_differ(home, tmp_path):
    (tmp_path / "refs.bib").write_text(
        "@article{conf, title = {Deep Things}, doi = {10.1234/conf}}\n"
        "@article{journal, title = {Deep Things}, doi = {10.1234/journal}}\n"
    )
    library = Library.open(home, seed=False)
    assert library.import_paths([tmp_path / "refs.bib"]).new == 2
    assert Library.open(home).import_paths([tmp_path / "refs.bib"]).new == 0


def test_a_later_record_of_a_split_title_joins_the_paper_of_its_year(home, tmp_path):
    (tmp_path / "refs.bib").write_text(
        "@book{first, title = {Information Theory}, year = 1959, publisher = {Wiley}}\n"
        "@book{reprint, title = {Information Theory}, year = 1997, publisher = {Dover}}\n"
    )
    (tmp_path / "zotero.bib").write_text("@book{kullback97, title = {Information Theory}, year = 1997, isbn = {0-486}}\n")
    library = Library.open(home, seed=False)
    library.import_paths([tmp_path / "refs.bib"])
    assert library.import_paths([tmp_path / "zotero.bib"]).merged == 1
    (reprint,) = [p for p in library.papers.values() if p.publisher == "Dover"]
    assert reprint.extra == (("isbn", "0-486"),)


def test_one_files_records_of_one_title_and_year_are_two_papers_under_their_keys(home, tmp_path):
    (tmp_path / "refs.bib").write_text(
        "@misc{kim2020, title = {Deep Things}, year = 2020, note = {first}}\n"
        "@misc{kim2020b, title = {Deep {T}hings}, year = 2020, note = {second}}\n"
        "@misc{KimUndated, title = {Deep Things}, note = {third}}\n"
    )
    library = Library.open(home, seed=False)
    assert library.import_paths([tmp_path / "refs.bib"]).new == 3
    keyed = library.keyed(list(library.papers))
    assert sorted((state.key, dict(paper.extra)["note"]) for paper, state in keyed) == [
        ("KimUndated", "third"),
        ("kim2020", "first"),
        ("kim2020b", "second"),
    ]
    assert Library.open(home).import_paths([tmp_path / "refs.bib"]).new == 0


def test_across_files_one_title_is_still_one_paper(home, tmp_path):
    (tmp_path / "preprints.bib").write_text("@misc{pre, title = {Deep Things}, year = 2019}\n")
    (tmp_path / "published.bib").write_text("@article{pub, title = {Deep Things}, year = 2020, journal = {JMLR}}\n")
    library = Library.open(home, seed=False)
    report = library.import_paths([tmp_path / "preprints.bib", tmp_path / "published.bib"])
    assert (report.new, len(library.papers)) == (1, 1)


# --- provenance: which source gave each field ---------------------------------------------

PREPRINT_BIB = (
    "@misc{p, title = {Optuna}, author = {Akiba, Takuya}, doi = {10.1145/3292500.3330701},"
    " publisher = {arXiv}, year = 2019, abstract = {Short.}}\n"
)
JOURNAL_BIB = (
    "@inproceedings{j, title = {Optuna}, author = {Akiba, T.}, doi = {10.1145/3292500.3330701},"
    " booktitle = {Proceedings of KDD}, pages = {2623--2631}, publisher = {ACM},"
    " abstract = {A longer abstract, whole.}}\n"
)


def merged_home(home, tmp_path) -> Library:
    (tmp_path / "preprint.bib").write_text(PREPRINT_BIB)
    (tmp_path / "journal.bib").write_text(JOURNAL_BIB)
    library = Library.open(home, seed=False)
    library.import_paths([tmp_path / "preprint.bib", tmp_path / "journal.bib"])
    return library


def test_a_merged_paper_says_which_source_gave_each_field(home, tmp_path):
    library = merged_home(home, tmp_path)
    (paper,) = library.papers.values()
    preprint, journal = paper.sources
    assert (paper.publisher, paper.supplied("publisher")) == ("arXiv", (preprint,))  # a conflict: the first source wins
    assert (paper.venue, paper.supplied("venue")) == ("Proceedings of KDD", (journal,))
    assert (paper.pages, paper.supplied("pages")) == ("2623--2631", (journal,))
    assert paper.supplied("abstract") == (journal,)  # the longer abstract wins
    assert (paper.doi, paper.supplied("doi")) == ("10.1145/3292500.3330701", (preprint,))
    assert paper.supplied("volume") == ()  # no source gave one
    assert "venue: journal.bib #1 (bibtex)" in provenance_lines(paper)
    assert "publisher: preprint.bib #1 (bibtex)" in provenance_lines(paper)


def test_provenance_survives_library_json_its_snapshot_and_the_reader_json_export(home, tmp_path):
    library = merged_home(home, tmp_path)
    (paper,) = library.papers.values()
    for _ in range(2):  # the first reopening parses library.json, the second reads the snapshot
        assert Library.open(home, seed=False).papers[paper.id] == paper
    exported = tmp_path / "export.json"
    exported.write_text(_written_json([(paper, BLANK_STATE)]))
    fresh = Library.open(tmp_path / "fresh", seed=False)
    fresh.import_paths([exported])
    assert fresh.papers[paper.id] == paper
    assert provenance_lines(fresh.papers[paper.id]) == provenance_lines(paper)


def test_importing_a_source_again_changes_no_provenance(home, tmp_path):
    library = merged_home(home, tmp_path)
    before = dict(library.papers)
    report = library.import_paths([tmp_path / "journal.bib", tmp_path / "preprint.bib"])
    assert (report.new, report.merged, report.unchanged) == (0, 0, 2)
    assert library.papers == before


def test_a_paper_from_one_source_records_no_provenance():
    assert "provenance" not in FULL.to_dict()  # every field is its one source's: library.json stays small
    assert "venue: refs.bib #1 (bibtex)" in provenance_lines(FULL)


def test_a_provenance_naming_no_source_is_refused():
    record = FULL.to_dict() | {"provenance": {"venue": 3}}
    with pytest.raises(ValueError, match="'provenance' of 'venue' is not an index into 'sources'"):
        Paper.from_dict(record)


def _written_json(pairs) -> str:
    out = io.StringIO()
    to_json(pairs, out)
    return out.getvalue()

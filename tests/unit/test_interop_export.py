"""Citation-grade export (issue 16): BibTeX with every field, CSL-JSON, RIS, CSV
columns; stable citation keys; doi:/cat:/venue:/key: search and year: from the arXiv id."""

from __future__ import annotations

import csv
import io
import json
import string
from pathlib import Path

import bibtexparser
import pytest
import rispy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from helpers.paths import CORPORA
from reader import citation, cli, export
from reader.ingest import bibtex, csljson, read_file, ris
from reader.library import Library, LibraryError
from reader.models import Paper, PaperState, Problem, Source, title_key
from reader.tex import tex_to_text

ARTICLE = Paper(
    id="doi:10.1000/jmlr.1",
    title="Deep {GP}s for Everyone",
    abstract="We study things.",
    authors=("Ada Lovelace", "Charles van der Babbage"),
    links=("https://doi.org/10.1000/jmlr.1",),
    sources=(Source("in.bib", "bibtex", 1),),
    published="2021-03",
    entry_type="article",
    venue="Journal of Machine Learning Research",
    volume="22",
    number="4",
    pages="101--130",
    publisher="JMLR \\& Co",
    month="03",
    doi="10.1000/jmlr.1",
)
CHAPTER = Paper(
    id=title_key("A Chapter"),
    title="A Chapter",
    abstract="",
    authors=("Grace Hopper",),
    sources=(Source("in.ris", "ris", 1),),
    published="1999",
    entry_type="CHAP",
    venue="The Big Book",
    pages="5-9",
    publisher="Springer",
    editors=("Alan Turing",),
)
PREPRINT = Paper(
    id="arxiv:2606.01234",
    title="A Listing's Preprint",
    abstract="No date given.",
    authors=("Kim Lee",),
    sources=(Source("2026-06-03.jsonl", "arxiv-listing", 1),),
    arxiv_id="2606.01234",
    categories=("cs.CL", "cs.LG"),
)


def written(writer, pairs) -> str:
    out = io.StringIO()
    writer(pairs, out)
    return out.getvalue()


# --- BibTeX ----------------------------------------------------------------------------


def test_bibtex_entry_has_the_papers_type_and_every_field_it_holds():
    text = written(export.to_bibtex, [(ARTICLE, PaperState()), (CHAPTER, PaperState()), (PREPRINT, PaperState())])
    article, chapter, preprint = bibtexparser.parse_string(text).entries
    assert article.entry_type == "article"
    fields = {k.lower(): str(f.value) for k, f in article.fields_dict.items()}
    assert {k: fields[k] for k in ("journal", "volume", "number", "pages", "publisher", "doi", "month", "year")} == {
        "journal": "Journal of Machine Learning Research",
        "volume": "22",
        "number": "4",
        "pages": "101--130",
        "publisher": "JMLR \\& Co",
        "doi": "10.1000/jmlr.1",
        "month": "mar",
        "year": "2021",
    }
    assert chapter.entry_type == "incollection"  # RIS's CHAP
    assert chapter.fields_dict["booktitle"].value == "The Big Book"
    assert chapter.fields_dict["editor"].value == "Alan Turing"
    assert preprint.entry_type == "misc" and preprint.fields_dict["eprint"].value == "2606.01234"
    assert "journal" not in preprint.fields_dict and preprint.fields_dict["year"].value == "2026"


def test_bibtex_reimport_gives_the_same_citation_fields():
    text = written(export.to_bibtex, [(ARTICLE, PaperState()), (CHAPTER, PaperState())])
    article, chapter = bibtex.parse(io.StringIO(text), "again.bib")
    for before, after in ((ARTICLE, article), (CHAPTER, chapter)):
        for name in ("title", "authors", "venue", "volume", "number", "pages", "publisher", "doi", "editors"):
            assert getattr(after, name) == getattr(before, name), name
    assert article.month == "03" and article.published == "2021-03"


# Text a .bib field can hold and get back the same: printable, no TeX specials, no doubled spaces.
# Paper text may already be TeX (arXiv's is), so `--` and `''` are ligatures by design (an en
# dash, a closing quote) and cannot come back as typed: the words leave them out.
_WORD = st.text(alphabet=string.ascii_letters + string.digits + "éü.:'-", min_size=1, max_size=12).filter(
    lambda word: "--" not in word and "''" not in word
)
_TEXT = st.lists(_WORD, min_size=1, max_size=6).map(" ".join)
_NAME = st.lists(st.text(alphabet=string.ascii_letters, min_size=2, max_size=10).map(str.capitalize), min_size=2, max_size=3).map(
    " ".join
)


@st.composite
def papers(draw) -> Paper:
    title = draw(_TEXT)
    year = draw(st.integers(1950, 2030))
    month = draw(st.one_of(st.none(), st.integers(1, 12)))
    first, last = draw(st.integers(1, 999)), draw(st.integers(1000, 2000))
    return Paper(
        id=title_key(title),
        title=title,
        abstract=draw(st.one_of(st.just(""), _TEXT)),
        authors=tuple(draw(st.lists(_NAME, min_size=1, max_size=4))),
        sources=(Source("gen.bib", "bibtex", 1),),
        published=f"{year}-{month:02d}" if month else str(year),
        entry_type=draw(st.sampled_from(["article", "inproceedings", "incollection", "book", "misc", "phdthesis"])),
        venue=draw(st.one_of(st.none(), _TEXT)),
        volume=draw(st.one_of(st.none(), st.integers(1, 99).map(str))),
        number=draw(st.one_of(st.none(), st.integers(1, 12).map(str))),
        pages=draw(st.one_of(st.none(), st.just(f"{first}--{last}"))),
        publisher=draw(st.one_of(st.none(), _TEXT)),
        month=f"{month:02d}" if month else None,
        editors=tuple(draw(st.lists(_NAME, max_size=2))),
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(papers())
def test_any_paper_exported_to_bibtex_and_imported_again_keeps_its_fields(paper):
    (again,) = bibtex.parse(io.StringIO(written(export.to_bibtex, [(paper, PaperState())])), "x.bib")
    assert tex_to_text(again.title) == paper.title  # `{AA}`: the capitals braced, so styles keep them
    for name in ("abstract", "authors", "published", "volume", "number", "pages", "publisher", "month", "editors", "entry_type"):
        assert getattr(again, name) == getattr(paper, name), name
    if paper.entry_type in ("article", "misc", "inproceedings", "incollection"):
        assert again.venue == paper.venue  # journal or booktitle; a book's or thesis's venue has no field


# --- CSL-JSON and RIS -------------------------------------------------------------------


def test_csl_json_is_json_with_the_schemas_required_fields_and_the_citation():
    items = json.loads(written(export.to_csl_json, [(ARTICLE, PaperState()), (PREPRINT, PaperState(key="lee2026a"))]))
    article, preprint = items
    assert all(isinstance(item["id"], str) and item["type"] for item in items)  # the schema requires id and type
    assert article["type"] == "article-journal" and preprint["type"] == "article"
    assert article["title"] == "Deep GPs for Everyone"  # TeX rendered: CSL prints text as it is
    assert article["author"] == [{"family": "Lovelace", "given": "Ada"}, {"family": "van der Babbage", "given": "Charles"}]
    assert article["issued"] == {"date-parts": [[2021, 3]]}
    assert (article["container-title"], article["volume"], article["issue"], article["page"]) == (
        "Journal of Machine Learning Research",
        "22",
        "4",
        "101-130",
    )
    assert (article["publisher"], article["DOI"]) == ("JMLR & Co", "10.1000/jmlr.1")
    assert preprint["id"] == "lee2026a" and preprint["number"] == "arXiv:2606.01234"
    assert preprint["issued"] == {"date-parts": [[2026]]}


def test_csl_json_imports_back_as_the_same_papers(tmp_path):
    path = tmp_path / "zotero.csl.json"
    path.write_text(written(export.to_csl_json, [(ARTICLE, PaperState()), (PREPRINT, PaperState())]), encoding="utf-8")
    article, preprint = csljson.parse(path.open(encoding="utf-8"), path.name)
    assert (article.doi, article.venue, article.pages, article.published) == (
        "10.1000/jmlr.1",
        ARTICLE.venue,
        "101-130",
        "2021-03",
    )
    assert preprint.arxiv_id == "2606.01234"


def test_ris_is_read_by_rispy_with_every_field():
    text = written(export.to_ris, [(ARTICLE, PaperState(tags=("ml",), note="two\nlines")), (CHAPTER, PaperState())])
    article, chapter = rispy.loads(text)
    assert article["type_of_reference"] == "JOUR" and article["title"] == "Deep GPs for Everyone"
    assert article["authors"] == ["Lovelace, Ada", "van der Babbage, Charles"]
    assert (article["secondary_title"], article["volume"], article["number"]) == (
        "Journal of Machine Learning Research",
        "22",
        "4",
    )
    assert (article["start_page"], article["end_page"], article["year"], article["date"]) == ("101", "130", "2021", "2021/03/")
    assert (article["doi"], article["publisher"], article["keywords"], article["notes"]) == (
        "10.1000/jmlr.1",
        "JMLR & Co",
        ["ml"],
        ["two lines"],
    )
    assert chapter["type_of_reference"] == "CHAP" and chapter["secondary_authors"] == ["Turing, Alan"]


def test_ris_imports_back_as_the_same_papers():
    text = written(export.to_ris, [(ARTICLE, PaperState()), (PREPRINT, PaperState())])
    article, preprint = ris.parse(io.StringIO(text), "x.ris")
    assert (article.venue, article.volume, article.number, article.pages, article.doi) == (
        ARTICLE.venue,
        "22",
        "4",
        "101--130",
        "10.1000/jmlr.1",
    )
    assert article.authors == ARTICLE.authors and preprint.arxiv_id == "2606.01234"


# --- CSV ---------------------------------------------------------------------------------


def test_csv_has_key_doi_venue_year_and_abstract_columns():
    rows = list(
        csv.DictReader(io.StringIO(written(export.to_csv, [(ARTICLE, PaperState(key="ada21")), (PREPRINT, PaperState())])))
    )
    assert {k: rows[0][k] for k in ("key", "doi", "venue", "year", "abstract")} == {
        "key": "ada21",
        "doi": "10.1000/jmlr.1",
        "venue": ARTICLE.venue,
        "year": "2021",
        "abstract": "We study things.",
    }
    assert rows[1]["year"] == "2026" and rows[1]["venue"] == ""


# --- citation keys -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, author, year, key",
    [
        ("Attention Is All You Need", "Ashish Vaswani", "2017", "vaswani2017attention"),
        ("Towards Deep Learning Models Resistant to Adversarial Attacks", "Aleksander Madry", "2017", "madry2017towards"),
        ("What Does BERT Look At? An Analysis of BERT's Attention", "Kevin Clark", "2019", "clark2019does"),
        ("Do ImageNet Classifiers Generalize to ImageNet?", "Benjamin Recht", "2019", "recht2019imagenet"),
        ("On the Opportunities and Risks of Foundation Models", "Rishi Bommasani", "2021", "bommasani2021opportunities"),
    ],
)
def test_keys_follow_google_scholar(title, author, year, key):
    assert export.citation_key(Paper("x", title, "", (author,), published=year)) == key


GPT = Paper(
    "arxiv:2303.08774",
    "GPT-4 Technical Report",
    "",
    ("OpenAI",),
    arxiv_id="2303.08774",
    sources=(Source("a.json", "hf", 1),),
    published="2023-03-15",
)
TWIN = Paper(
    title_key("GPT-4 technical report (2)"),
    "GPT-4 Technical Report (2)",
    "",
    ("OpenAI",),
    sources=(Source("b.bib", "bibtex", 1),),
    published="2023",
)


@pytest.fixture
def twins(tmp_path) -> Path:
    source = tmp_path / "in.json"
    export_pairs = [(GPT, PaperState()), (TWIN, PaperState())]
    source.write_text(written(export.to_json, export_pairs), encoding="utf-8")
    home = tmp_path / "home"
    Library.open(home, seed=False).import_paths([source])
    return home


def keys_in(bib: str) -> list[str]:
    return [entry.key for entry in bibtexparser.parse_string(bib).entries]


def test_a_key_is_the_same_alone_or_beside_its_twin_and_the_later_paper_gets_b(twins):
    library = Library.open(twins)
    alone = keys_in(written(export.to_bibtex, library.keyed([TWIN.id])))
    both = keys_in(written(export.to_bibtex, Library.open(twins).keyed([GPT.id, TWIN.id])))
    assert alone == ["openai2023gptb"]  # the twin came second into this home, even exported first
    assert both == ["openai2023gpt", "openai2023gptb"]
    again = keys_in(written(export.to_bibtex, Library.open(twins).keyed([GPT.id])))
    assert again == ["openai2023gpt"]


def test_a_renamed_key_is_kept_and_used_by_export(twins, capsys):
    assert cli.main(["--home", str(twins), "key", GPT.id, "gpt4report"]) == 0
    assert cli.main(["--home", str(twins), "export", "--format", "bibtex", "id:2303.08774"]) == 0
    assert keys_in(capsys.readouterr().out) == ["gpt4report"]
    assert cli.main(["--home", str(twins), "key", GPT.id]) == 0
    assert capsys.readouterr().out == "gpt4report\n"
    with pytest.raises(LibraryError, match="already the key"):
        Library.open(twins).rename_key(TWIN.id, "GPT4report")
    with pytest.raises(LibraryError, match="cannot hold ','"):
        Library.open(twins).rename_key(TWIN.id, "a,b")


def test_choosing_keys_is_not_a_decision_and_undo_keeps_them(twins):
    library = Library.open(twins)
    library.set_read(GPT.id)
    read_at = library.state_of(GPT.id).updated
    library.keyed([GPT.id])
    assert library.state_of(GPT.id).updated == read_at  # stats' "decided per day" unmoved
    library.undo()  # takes back the read mark, not the key
    reopened = Library.open(twins)
    assert not reopened.state_of(GPT.id).read and reopened.state_of(GPT.id).key == "openai2023gpt"


# --- search fields -------------------------------------------------------------------------


@pytest.fixture
def searchable(tmp_path) -> Library:
    source = tmp_path / "in.json"
    source.write_text(
        written(export.to_json, [(ARTICLE, PaperState()), (CHAPTER, PaperState()), (PREPRINT, PaperState())]), encoding="utf-8"
    )
    library = Library.open(tmp_path / "home", seed=False)
    library.import_paths([source])
    return library


@pytest.mark.parametrize(
    "query, found",
    [
        ("doi:10.1000/jmlr.1", [ARTICLE.id]),
        ("doi:https://doi.org/10.1000/JMLR.1", [ARTICLE.id]),
        ("cat:cs.CL", [PREPRINT.id]),
        ("cat:cs", [PREPRINT.id]),
        ("cat:cs.C", []),
        ("venue:machine", [ARTICLE.id]),
        ("venue:jmlr", [ARTICLE.id]),
        ('venue:"big book"', [CHAPTER.id]),
        ("year:2026", [PREPRINT.id]),  # no date: the id 2606.xxxxx says 2026
        ("-venue:machine year:<2030", [CHAPTER.id, PREPRINT.id]),
    ],
)
def test_citation_fields_are_searchable(searchable, query, found):
    result = searchable.search(query)
    assert result.error is None
    assert sorted(result.ids) == sorted(found)


@pytest.mark.parametrize(
    "query, found",
    [
        ("key:lovelace2021deep", [ARTICLE.id]),
        ("key:lovel", [ARTICLE.id]),  # typed so far
        ("key:LOVELACE2021", [ARTICLE.id]),
        ("key:lee2026listing", [PREPRINT.id]),  # the year from the arXiv id
        ("key:hopper1999chapter key:hop", [CHAPTER.id]),
        ("key:lovelace | key:hopper", [ARTICLE.id, CHAPTER.id]),
        ("-key:lovelace", [CHAPTER.id, PREPRINT.id]),
        ("key:lovelace2020", []),
        ("key:babbage", []),  # only the first author names the key
    ],
)
def test_key_search_finds_a_paper_by_the_key_it_would_get_before_any_is_chosen(searchable, query, found):
    result = searchable.search(query)
    assert result.error is None
    assert sorted(result.ids) == sorted(found)
    assert sorted(searchable.index.search(query, searchable.state_of).ids) == sorted(found)  # state asked paper by paper
    assert all(not searchable.state_of(pid).key for pid in searchable.papers)  # searching chose none


def test_key_search_finds_every_paper_by_the_key_y_k_then_gives(tmp_path):
    twin = Paper("title:twin", "Deep GPs for Everyone, again", "", authors=("Ada Lovelace",), published="2021")
    alone = Paper("title:alone", "Anonymous Work", "")
    names = ["Flann O'Brien", "Anna Smith-Jones", "Jürgen Müller", 'J{\\"u}rgen M{\\"u}ller', "张伟", "Ole Østergaard", "et al."]
    named = [Paper(f"title:{n}", f"Work {n}", "", authors=(name, "G. Other")) for n, name in enumerate(names)]
    papers = [ARTICLE, CHAPTER, PREPRINT, twin, alone, *named]
    searched, keyed = Library.open(tmp_path / "searched", seed=False), Library.open(tmp_path / "keyed", seed=False)
    for library in (searched, keyed):
        library.import_records(papers)
    keys = {paper.id: state.key for paper, state in keyed.keyed([p.id for p in papers])}
    assert keys["title:twin"] == "lovelace2021deepb"  # came second
    for paper_id, key in keys.items():
        assert paper_id in searched.search(f"key:{key}").ids, key
    assert all(not searched.state_of(pid).key for pid in searched.papers)


def test_a_stored_key_wins_over_the_key_a_paper_would_get(searchable):
    searchable.rename_key(ARTICLE.id, "myArticle")
    assert list(searchable.search("key:myart").ids) == [ARTICLE.id]
    assert list(searchable.search("key:lovelace").ids) == []  # renamed: not found by its old key
    searchable.keyed([PREPRINT.id])
    assert list(searchable.search("key:lee2026").ids) == [PREPRINT.id]


def same(value: str) -> str:
    """Values compared as a reader sees them: braces, line breaks, `\\_` and case (DOIs are case-blind) aside."""
    return " ".join(value.replace("\\_", "_").replace("{", "").replace("}", "").split()).casefold()


def test_exported_real_bib_keeps_its_citation_fields(tmp_path):
    """A small version of bench/bib_roundtrip.py: DBLP's export through a home and out again."""
    source = CORPORA / "interop/bibtex-real/rnbguy_thesis2021_dblp.bib"
    library = Library.open(tmp_path / "home", seed=False)
    library.import_paths([source])
    out = written(export.to_bibtex, library.keyed(list(library.papers)))
    given_entries = {same(e.fields_dict["title"].value): e for e in bibtexparser.parse_string(source.read_text()).entries}
    back = {same(e.fields_dict["title"].value): e for e in bibtexparser.parse_string(out).entries}
    compared = 0
    for title, entry in given_entries.items():
        for name in ("journal", "booktitle", "volume", "number", "pages", "publisher", "doi"):
            if name in entry.fields_dict:
                assert same(back[title].fields_dict[name].value) == same(entry.fields_dict[name].value), name
                compared += 1
    assert compared > 100
    assert not [r for r in read_file(source) if isinstance(r, Problem)]


@given(st.text(alphabet=st.characters(max_codepoint=127, blacklist_characters="\\{}$~%&^_"), max_size=30))
def test_a_plain_name_gives_the_key_surname_its_tex_rendering_does(name):
    """key_surname reads a plain ASCII name as it is, skipping TeX: `{}` makes it render."""
    assume(name != "et al.")  # no author named: `anon`
    plain, rendered = (Paper("x", "T", "", authors=(written,)) for written in (name, name + "{}"))
    assert citation.key_surname(plain) == citation.key_surname(rendered)


# --- a source's own citation keys --------------------------------------------------------


def test_a_real_bibs_own_keys_are_kept_on_export(tmp_path):
    source = CORPORA / "interop/bibtex-real/rnbguy_thesis2021_dblp.bib"
    library = Library.open(tmp_path / "home", seed=False)
    report = library.import_paths([source])
    given_keys = keys_in(source.read_text(encoding="utf-8"))
    exported = keys_in(written(export.to_bibtex, library.keyed(list(library.papers))))
    assert report.new == len(given_keys) and sorted(exported) == sorted(given_keys)  # DBLP's `DBLP:conf/...` keys


def test_a_csl_and_ris_key_is_kept_and_a_key_another_paper_has_is_not_taken(twins, tmp_path):
    library = Library.open(twins)
    library.rename_key(GPT.id, "lee2019report")
    csl = tmp_path / "zotero.json"
    csl.write_text(written(export.to_csl_json, [(ARTICLE, PaperState(key="lovelace-gps"))]), encoding="utf-8")
    ris_file = tmp_path / "refs.ris"
    ris_file.write_text(written(export.to_ris, [(CHAPTER, PaperState())]).replace("ER  -", "ID  - lee2019report\nER  -"))
    report = library.import_paths([csl, ris_file])
    assert [str(p) for p in report.problems] == [
        f"refs.ris:1: citation key 'lee2019report' is already the key of {GPT.id}; {CHAPTER.id} gets its own at export"
    ]
    reopened = Library.open(twins)
    keys = {paper.id: state.key for paper, state in reopened.keyed([ARTICLE.id, CHAPTER.id, GPT.id])}
    assert keys == {ARTICLE.id: "lovelace-gps", CHAPTER.id: "hopper1999chapter", GPT.id: "lee2019report"}


def test_a_key_once_given_stays_when_the_bib_is_imported_again_with_another(tmp_path):
    bib = tmp_path / "mine.bib"
    bib.write_text("@techreport{lee2019report, title={A Technical Report}, author={Kim Lee}, year={2019}}\n")
    home = tmp_path / "home"
    Library.open(home, seed=False).import_paths([bib])
    bib.write_text("@techreport{kimlee19, title={A Technical Report}, author={Kim Lee}, year={2019}}\n")
    library = Library.open(home)
    library.import_paths([bib])
    assert keys_in(written(export.to_bibtex, library.keyed(list(library.papers)))) == ["lee2019report"]


# --- a .bib's other fields -------------------------------------------------------------

OTHER_FIELDS = ("series", "location", "address", "institution", "school", "note", "edition", "isbn", "howpublished")


@pytest.mark.parametrize("name", ["rnbguy_thesis2021_dblp.bib", "plk_biblatex-examples.bib"])
def test_a_real_bibs_other_fields_are_exported_again(tmp_path, name):
    source = CORPORA / "interop/bibtex-real" / name
    library = Library.open(tmp_path / "home", seed=False)
    library.import_paths([source])
    out = written(export.to_bibtex, library.keyed(list(library.papers)))
    back = {e.key: e.fields_dict for e in bibtexparser.parse_string(out).entries}
    compared = 0
    for entry in bibtexparser.parse_string(source.read_text(encoding="utf-8")).entries:
        if entry.key not in back:
            continue  # a volume (@proceedings), or merged into a paper of the same title
        for field in OTHER_FIELDS:
            if field in entry.fields_dict:
                assert same(back[entry.key][field].value) == same(entry.fields_dict[field].value), (entry.key, field)
                compared += 1
    assert compared >= 7


def test_other_fields_survive_the_home_and_reader_json_and_merge(tmp_path):
    thesis, catalogue = tmp_path / "thesis.bib", tmp_path / "catalogue.bib"
    thesis.write_text(
        "@phdthesis{kim2020, title={Deep Things}, author={Kim Lee}, school={MIT}, year={2020},"
        " address={Cambridge, {MA}}, note={Also \\emph{online}}}\n"
    )
    catalogue.write_text("@misc{kim2020b, title={Deep Things}, author={Kim Lee}, school={Harvard}, isbn={978-3-16}}\n")
    Library.open(tmp_path / "home", seed=False).import_paths([thesis, catalogue])
    library = Library.open(tmp_path / "home")  # library.json, or the snapshot made from it, read back
    (paper,) = library.papers.values()
    assert paper.extra == (
        ("school", "MIT"),
        ("address", "Cambridge, {MA}"),
        ("note", "Also \\emph{online}"),
        ("isbn", "978-3-16"),
    )
    copy = tmp_path / "backup.json"
    copy.write_text(written(export.to_json, library.keyed(list(library.papers))), encoding="utf-8")
    other = Library.open(tmp_path / "other", seed=False)
    other.import_paths([copy])
    (entry,) = bibtexparser.parse_string(written(export.to_bibtex, other.keyed(list(other.papers)))).entries
    assert entry.key == "kim2020" and entry.entry_type == "phdthesis"
    assert {name: entry.fields_dict[name].value for name in ("school", "address", "note", "isbn")} == {
        "school": "MIT",
        "address": "Cambridge, {MA}",
        "note": "Also \\emph{online}",
        "isbn": "978-3-16",
    }


def test_a_library_record_with_a_field_name_bibtex_cannot_read_is_refused():
    record = {"id": "x", "title": "T", "abstract": "", "extra": {"school": "MIT", "note}, x = {": "y"}}
    with pytest.raises(ValueError, match="no BibTeX field name"):
        Paper.from_dict(record)
    assert Paper.from_dict({**record, "extra": {"school": "MIT"}}).extra == (("school", "MIT"),)

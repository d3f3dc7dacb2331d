"""Real .bib files beyond the first corpus (biblatex's own examples, a DBLP export),
checked against bibtexparser 2.x, an independent parser; and the BibTeX details
researchers' files have: biblatex dates, crossref, `2023a`, `\\_` in links,
repeated fields and keys."""

import io
import itertools
import re

import bibtexparser
import pytest

from helpers.paths import CORPORA
from reader.ingest import bibtex
from reader.models import Paper, Problem

BIB_FILES = sorted((CORPORA / "interop" / "bibtex-real").glob("*.bib"))


def read(text: str, name: str = "refs.bib") -> tuple[list[Paper], list[str]]:
    records = list(bibtex.parse(io.StringIO(text), name))
    return [r for r in records if isinstance(r, Paper)], [str(r) for r in records if isinstance(r, Problem)]


@pytest.fixture(scope="module", params=BIB_FILES, ids=lambda p: p.name)
def corpus(request):
    path = request.param
    expected = bibtexparser.parse_file(str(path))
    assert not expected.failed_blocks
    papers, problems = read(path.read_text(encoding="utf-8"), path.name)
    # A crossref child waits for its parent, so papers come in position order, not file order.
    return (sorted(papers, key=lambda p: p.sources[0].position), problems), expected


def test_every_paper_entry_is_read_without_problems(corpus):
    (papers, problems), expected = corpus
    entries = [e for e in expected.entries if e.entry_type.casefold() not in bibtex.NOT_PAPERS]
    assert problems == []
    assert [p.entry_type for p in papers] == [e.entry_type.casefold() for e in entries]


def test_every_entry_with_a_date_or_year_gets_that_year(corpus):
    (papers, _), expected = corpus
    entries = [e for e in expected.entries if e.entry_type.casefold() not in bibtex.NOT_PAPERS]
    for paper, entry in zip(papers, entries, strict=True):
        given = entry.fields_dict.get("date") or entry.fields_dict.get("year")
        if given is not None:
            assert paper.published[:4] == re.search(r"\d{4}", given.value).group(), entry.key


def test_dois_and_links_lose_tex_escapes(corpus):
    (papers, _), expected = corpus
    entries = [e for e in expected.entries if e.entry_type.casefold() not in bibtex.NOT_PAPERS]
    for paper, entry in zip(papers, entries, strict=True):
        assert not any("\\" in link for link in paper.links), paper.links
        if "doi" in entry.fields_dict:
            doi = entry.fields_dict["doi"].value.replace("\\_", "_").lower()
            assert paper.doi == doi
            assert f"https://doi.org/{doi}" in paper.links


def test_the_citation_fields_are_read():
    (paper,), _ = read(
        "@article{k, title = {T}, author = {A, B}, journal = {Nature}, volume = 521, number = {7553},"
        " pages = {436--444}, publisher = {Springer}, month = may, year = 2015, editor = {E, F and G, H},"
        " file = {Full Text:papers/lecun.pdf:application/pdf;Snapshot:C\\:/web/x.html:text/html}}"
    )
    assert (paper.entry_type, paper.venue, paper.volume, paper.number, paper.pages, paper.publisher) == (
        "article",
        "Nature",
        "521",
        "7553",
        "436--444",
        "Springer",
    )
    assert (paper.published, paper.month, paper.editors) == ("2015-05", "05", ("F E", "H G"))
    assert paper.files == ("papers/lecun.pdf", "C:/web/x.html")


def test_a_crossref_child_inherits_its_parents_date_venue_and_publisher_even_when_the_parent_comes_later():
    path = CORPORA / "interop" / "bibtex-real" / "plk_biblatex-examples.bib"
    papers, _ = read(path.read_text(encoding="utf-8"), path.name)
    (child,) = [p for p in papers if p.title == "The True Frontier"]
    assert (child.published, child.venue, child.publisher, child.editors) == (
        "2000",
        "Space and Beyond",
        "Greenwood",
        ("Gary Westfahl",),
    )
    assert child.pages == "55-65"  # its own fields stay its own


@pytest.mark.parametrize(
    ("date", "published"),
    [
        ("2006", "2006"),
        ("{1991-03}", "1991-03"),
        ("{2004-10-27}", "2004-10-27"),
        ("{1984/1986}", "1984"),
        ("{1968-05-19/1968-05-25}", "1968-05-19"),
    ],
)
def test_biblatex_dates(date, published):
    (paper,), _ = read(f"@book{{k, title = {{T}}, date = {date}}}")
    assert paper.published == published


def test_a_year_with_a_letter_still_gives_the_year():
    (paper,), _ = read("@article{k, title = {T}, year = {2023a}}")
    assert paper.published == "2023"


def test_a_repeated_field_keeps_the_later_value_and_is_named():
    (paper,), problems = read("@article{k, title = {T}, doi = {10.1145/32}, doi = {10.1145/3292500.3330701}}")
    assert paper.doi == "10.1145/3292500.3330701"
    assert problems == ["refs.bib:1: entry k (line 1): field 'doi' is given more than once; the last one kept"]


def test_a_repeated_key_is_named_and_both_entries_kept():
    papers, problems = read("@article{k, title = {One}}\n@article{k, title = {Two}}\n")
    assert [p.title for p in papers] == ["One", "Two"]
    assert problems == ["refs.bib:2: entry k (line 2): the key k is used again (first at line 1); both kept"]


def test_children_whose_parents_are_elsewhere_come_in_file_order_at_the_end():
    papers, problems = read(
        "@inbook{a, title = {A}, crossref = {elsewhere}}\n@book{b, title = {B}, date = 2001}\n"
        "@inbook{c, title = {C}, crossref = {b}, xdata = {missing}}\n"
    )
    assert problems == []
    assert [(p.title, p.published, p.venue) for p in papers] == [("B", "2001", None), ("A", None, None), ("C", "2001", "B")]


def test_a_chain_of_parents_read_after_their_child():
    papers, _ = read(
        "@xdata{pub, publisher = {ACM}}\n@mvproceedings{series, title = {Series}, date = 1999}\n"
        "@inproceedings{paper, title = {P}, crossref = {proc}}\n"
        "@proceedings{proc, title = {Proceedings of X}, xdata = {pub}, crossref = {series}}\n"
    )
    (paper,) = papers
    assert (paper.venue, paper.published, paper.publisher) == ("Proceedings of X", "1999", "ACM")


CHAIN = {
    "child": "@inproceedings{child, title = {Child}, pages = {1--2}, crossref = {parent}}\n",
    "parent": "@proceedings{parent, title = {Proceedings of X}, crossref = {grandparent}}\n",
    "grandparent": "@mvproceedings{grandparent, title = {Series}, date = 1999, publisher = {ACM}}\n",
}


@pytest.mark.parametrize("order", list(itertools.permutations(CHAIN)), ids="-".join)
def test_a_crossref_chain_resolves_whatever_the_order_of_its_entries(order):
    (paper,), problems = read("".join(CHAIN[key] for key in order))
    assert problems == []
    assert (paper.venue, paper.published, paper.publisher, paper.pages) == ("Proceedings of X", "1999", "ACM", "1--2")


@pytest.mark.parametrize("order", list(itertools.permutations(CHAIN)), ids="-".join)
def test_a_crossref_chain_with_its_grandparent_missing_keeps_what_came(order):
    (paper,), problems = read("".join(CHAIN[key] for key in order if key != "grandparent"))
    assert problems == []
    assert (paper.venue, paper.published, paper.publisher) == ("Proceedings of X", None, None)


def test_a_crossref_cycle_is_named_once_and_each_entry_inherits_the_others_fields():
    papers, problems = read(
        "@inbook{a, title = {A}, crossref = {b}, date = 2001}\n@inbook{b, title = {B}, crossref = {c}}\n"
        "@book{c, title = {C}, crossref = {a}, publisher = {ACM}}\n"
    )
    assert sorted((p.title, p.published, p.publisher) for p in papers) == [
        ("A", "2001", "ACM"),
        ("B", "2001", "ACM"),
        ("C", "2001", "ACM"),
    ]
    assert len(problems) == 1
    assert "crossref cycle" in problems[0] and all(key in problems[0] for key in "abc")


def test_an_entry_naming_itself_as_its_crossref_is_read_and_named():
    (paper,), problems = read("@article{a, title = {A}, crossref = {a}, year = 2020}\n")
    assert paper.published == "2020"
    assert problems == ["refs.bib:1: entry a (line 1): crossref cycle a -> a; each entry in it inherits the others' fields once"]

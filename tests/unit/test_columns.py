"""The orders `S` offers, the days `[` and `]` step between, doi:, venue:, key: and cat:
are read from columns (the index's facts, the paper file's dates), not from the
papers, which stay in their paper file: each answers as the search that read every
paper did (tests/helpers/search_before, the oracle), on the real corpora and on
any corpus, built, read back from its cache and updated; and going through them
in the app decodes no paper it does not show."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.paths import CORPORA
from helpers.pilot import papers as paper_list
from helpers.pilot import settle, status
from reader import snapshot
from reader.app import ReaderApp
from reader.library import Library
from reader.models import BLANK_STATE, Paper, Source
from reader.search import SearchIndex, Sort
from tests.helpers.search_before import index as before_index
from tests.helpers.search_before import ranking as before_ranking

TITLES = ["Attention", "attention", "{GPT}-4 notes", "$\\alpha$-nets", "\\textit{Trans-LoRA}", "Zebra", "Éclair", "", "$$"]
DOIS = [None, "10.1000/abc", "10.1000/abd", "10.48550/arxiv.2401.1", "10.2000/x"]
VENUES = [None, "NeurIPS", "Advances in Neural Information Processing Systems", "ICML 2024", "Proc. of the UAI"]
AUTHORS = ["Ann Lee", "Bo Müller", '{\\"O}zil Can', "et al.", "Lee", "Ann Leeway", "O'Brien"]
CATEGORIES = ["cs.CL", "cs.LG", "CS.cl", "math.PR", "cs", "stat.ML", "physics.optics", "cs.CL.x", "hep-th"]
DATES = [None, "2023-01-05", "2024-06", "2024-06-01", "2024-06-01", "2025-02-11T10:00"]


def state_of(_id: str):
    return BLANK_STATE


@st.composite
def corpora(draw) -> list[Paper]:
    papers = []
    for i in range(draw(st.integers(1, 30))):
        listed = draw(st.sampled_from(DATES))
        papers.append(
            Paper(
                id=f"p{i}",
                title=" ".join(draw(st.lists(st.sampled_from(TITLES), min_size=1, max_size=3))),
                abstract="words",
                authors=tuple(draw(st.lists(st.sampled_from(AUTHORS), max_size=2))),
                published=draw(st.sampled_from(DATES)),
                sources=(Source("day.json", "hf", i, listed),) if listed else (),
                upvotes=draw(st.sampled_from([None, 0, 3, 3, 10])),
                doi=draw(st.sampled_from(DOIS)),
                venue=draw(st.sampled_from(VENUES)),
                categories=tuple(draw(st.lists(st.sampled_from(CATEGORIES), max_size=3))),
            )
        )
    return papers


QUERIES = [
    "doi:10.1000", "doi:10.1000/abd", "doi:10.4", "doi:11", "venue:neurips", "venue:neur", "venue:icml", "venue:uai",
    "key:lee", "key:le", "key:leeway", "key:lee2024", "key:lee2024attention", "key:muller", "key:ozil", "key:obrien", "key:anon",
    "cat:cs", "cat:cs.cl", "cat:CS.CL", "cat:cs.c", "cat:math", "cat:stat.ml", "cat:physics.optics", "cat:cs.cl.x", "cat:hep",
]  # fmt: skip


def answers(index, sort_of, orders: bool) -> dict:
    """What the orders (if `orders`), days and fields give, by index."""
    ids = sorted(index.search("", state_of).ids) + ["no-such-paper"]
    found = {q: set(index.search(q, state_of, sort=sort_of(Sort.BEST)).ids) for q in QUERIES}
    said = {"days": index.listing_days(ids), "fields": found}
    if orders:
        said["orders"] = {sort: tuple(index.search("", state_of, sort=sort_of(sort)).ids) for sort in Sort}
        said["ranked"] = {sort: tuple(index.search("attention", state_of, sort=sort_of(sort)).ids) for sort in Sort}
    return said


def same_answers(new, old, orders: bool = True) -> None:
    want = answers(old, lambda sort: before_ranking.Sort[sort.name], orders)
    assert answers(new, lambda sort: sort, orders) == want


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(papers=corpora(), replaced=st.integers(0, 3))
def test_orders_days_and_fields_answer_as_reading_every_paper_did(tmp_path_factory, papers, replaced):
    cache_dir = tmp_path_factory.mktemp("cache")
    SearchIndex(papers, workers=0, cache_dir=cache_dir)
    read = SearchIndex(papers, workers=0, cache_dir=cache_dir)
    old = before_index.SearchIndex(papers, workers=0)
    assert read.cache_hit
    same_answers(read, old)
    changed = [
        Paper(
            id=p.id,
            title="$\\beta$ " + p.title,
            abstract="words",
            upvotes=7,
            doi="10.1000/abz",
            venue="ICML",
            published="2024-06-01",
            categories=("math.PR", "cs.LG")[: n % 3],
        )
        for n, p in enumerate(papers[:replaced])
    ]
    added = [
        Paper(id="new", title="Aardvark", abstract="words", upvotes=3, doi="10.2000/y", venue="NeurIPS", categories=("cs.CL",))
    ]
    read.add(changed + added)
    old.add(changed + added)
    same_answers(read, old)
    read.save(cache_dir, "updated")
    by_id = {p.id: p for p in papers + changed + added}
    again = SearchIndex(list(by_id.values()), workers=0, cache_dir=cache_dir, fingerprint="updated")
    assert again.cache_hit
    # (Its newest-first order is the saved one's, which the update left behind, as before: not compared.)
    same_answers(again, old, orders=False)


REAL = [
    CORPORA / "bibtex-pmlr",
    CORPORA / "interop" / "bibtex-real",
    CORPORA / "interop" / "semantic-scholar",
    CORPORA / "arxiv-api-atom",
    CORPORA / "arxiv-kaggle-snapshot-sample",
    *sorted((CORPORA / "hf-daily-papers" / "daily").glob("2024-06-1*.json.gz")),
]


def test_on_the_real_corpora_orders_days_and_fields_answer_as_reading_every_paper_did(home):
    library = Library.open(home, seed=False)
    library.import_paths(REAL)
    everything = list(library.papers.values())
    assert len(everything) > 500 and sum(p.doi is not None for p in everything) > 50
    assert sum(p.venue is not None for p in everything) > 50 and sum(p.upvotes is not None for p in everything) > 50
    old = before_index.SearchIndex(everything, workers=0)
    same_answers(library.index, old)
    for paper in everything[::7]:  # each doi's own prefix, and each venue's words
        for query in [f"doi:{paper.doi[:9]}", f"doi:{paper.doi}"] if paper.doi else []:
            assert library.index.search(query, state_of).ids == old.search(query, state_of).ids
        if paper.venue and paper.venue.split():
            query = "venue:" + paper.venue.split()[0].strip("{}().,:")
            assert library.index.search(query, state_of).ids == old.search(query, state_of).ids, query
    reopened = Library.open(home, seed=False)  # the index read back from its cache
    same_answers(reopened.index, old)
    assert reopened.index.cache_hit


@pytest.fixture
def decoded(monkeypatch):
    """The papers decoded from their paper file, from now on (a list of (file, record))."""
    seen: list = []
    real = snapshot.PaperFile.paper

    def paper(file, record):
        seen.append((file, record))
        return real(file, record)

    monkeypatch.setattr(snapshot.PaperFile, "paper", paper)
    return seen


async def test_every_order_day_step_and_field_decodes_no_paper_beyond_the_rows_shown(home, decoded):
    library = Library.open(home, seed=False)
    library.import_paths(sorted((CORPORA / "hf-daily-papers" / "daily").glob("2024-06-*.json.gz")))
    _ = library.index  # the index and its cache, as a later start reads them
    del library
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        count = len(app.screen.library)
        assert count > 300
        shown = 0
        for query in ("", "model"):
            if query:
                await pilot.press("slash", *query, "enter")
                await settle(pilot)
            for _ in Sort:
                decoded.clear()
                await pilot.press("S")
                await settle(pilot)
                await pilot.press("left_square_bracket", "left_square_bracket", "right_square_bracket")
                await settle(pilot)
                shown += 1
                assert ": " in status(app) and paper_list(app).cursor > 0
                assert len(set(decoded)) <= 40, (status(app), len(set(decoded)))  # two screens' rows, not the library
        assert shown == 2 * len(Sort)


def test_doi_venue_key_and_cat_decode_no_paper(home, decoded):
    library = Library.open(home, seed=False)
    library.import_paths([CORPORA / "bibtex-pmlr", CORPORA / "interop" / "bibtex-real", CORPORA / "arxiv-kaggle-snapshot-sample"])
    _ = library.index
    library = Library.open(home, seed=False)
    _ = library.index
    decoded.clear()
    queries = ("doi:10.", "doi:10.1", "venue:proceedings", "key:li", "cat:cs", "cat:math.pr")
    found = [library.search(query).total for query in queries]
    assert all(found) and decoded == []


@given(
    texts=st.lists(st.text(alphabet="ab éß\u4e00", max_size=12), min_size=1, max_size=40),
    changed=st.dictionaries(st.integers(0, 45), st.text(alphabet="ab é", max_size=8), max_size=5),
    needle=st.text(alphabet="ab éß\u4e00", min_size=1, max_size=4),
    picked=st.sets(st.integers(0, 50)),
)
def test_the_titles_read_from_the_cache_file_find_a_needle_as_reading_each_title_does(texts, changed, needle, picked):
    # A hyphenated word checks the candidates' titles for its parts in sequence where
    # they lie in the cache file (Texts.containing), not one decoded title at a time.
    from array import array

    from reader.search.docset import DocSet
    from reader.search.facts import Texts, containing
    from reader.search.mapped import Checked, _block_crcs

    blob, ends = Texts.encoded(texts)
    raw = memoryview(blob)
    column = Texts(Checked(raw, "B", array("I", _block_crcs(raw))), memoryview(ends))
    strings = list(texts)
    for docno, text in sorted(changed.items()):
        if docno < len(strings):
            column[docno] = strings[docno] = text
        elif docno == len(strings):
            column.append(text)
            strings.append(text)
    docs = {d for d in picked if d < len(strings)}
    expected = {d for d in docs if needle in strings[d]}
    assert containing(column, needle, docs) == expected
    assert containing(column, needle, DocSet.of(docs)) == expected
    assert containing(strings, needle, docs) == expected


def test_a_builds_texts_are_held_as_one_blob_each_and_read_as_gathered(monkeypatch):
    # Held as a string per paper, the titles, authors, DOIs, venues and key surnames
    # were 100 MB at 300k papers (the arXiv ids, in a dict, 45 MB), and an import's
    # peak held those and the blobs its save wrote. Encoded a chunk at a time (3
    # here): every chunk's texts in order.
    from reader.citation import key_surname
    from reader.search import facts as facts_module
    from reader.search.facts import Gathering
    from reader.words import padded

    monkeypatch.setattr(facts_module, "_CHUNK", 3, raising=False)
    titles = ["Éclair", "\udc80 lone", "", "Attention \u4e00", "Zebra", "$\\alpha$-nets", "a", "b"]
    papers = [
        Paper(
            id=f"p{i}",
            title=t,
            abstract="",
            authors=(AUTHORS[i % len(AUTHORS)],),
            doi=DOIS[i % len(DOIS)],
            venue=VENUES[i % len(VENUES)],
            arxiv_id=f"2401.{9 - i % 5:05d}V2" if i % 4 else None,
        )
        for i, t in enumerate(titles)
    ]
    gathering = Gathering()
    for start in range(0, len(papers), 2):  # batches across the chunks' ends
        list(gathering.add(papers[start : start + 2]))
    facts = gathering.facts(papers)
    assert list(facts.titles) == [padded(p.title) for p in papers]
    assert [facts.authors[d] for d in range(len(papers))] == [padded(" ".join(p.authors)) for p in papers]
    assert list(facts.dois) == [p.doi or "" for p in papers]
    assert list(facts.venues) == [p.venue or "" for p in papers]
    assert list(facts.surnames) == [key_surname(p) for p in papers]
    arxiv = {p.arxiv_id.casefold(): d for d, p in enumerate(papers) if p.arxiv_id}  # a later paper's wins
    assert {key: facts.arxiv.get(key) for key in [*arxiv, "2401.00001v2"]} == {**arxiv, "2401.00001v2": None}


def test_a_word_typed_into_a_narrowed_search_decodes_no_abstract_its_postings_answer_cheaper(home, decoded):
    # Narrowing read each candidate's abstract from the paper file (20-30 us each) where
    # the word's postings (a few ns each) cost less: 9,310 abstracts for one keystroke
    # at 300k papers. The same papers either way (tests/unit/test_search.py).
    library = Library.open(home, seed=False)
    library.import_paths(sorted((CORPORA / "hf-daily-papers" / "daily").glob("2024-06-*.json.gz")))
    _ = library.index
    index = Library.open(home, seed=False).index
    previous = None
    typed = "mixture of"
    for end in range(1, len(typed) + 1):  # (closest matches read abstracts: left out)
        decoded.clear()
        previous = index.search(typed[:end], state_of, previous=previous, closest=False)
    assert previous.total and decoded == []

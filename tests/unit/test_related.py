"""Related papers (`m`): papers like this one by their title and abstract words."""

import gc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.paths import DATA
from reader import ingest
from reader.library import Library
from reader.models import Paper
from reader.related import Related, RelatedIndex
from reader.search import SearchIndex
from reader.words import words


def paper(pid: str, title: str, abstract: str) -> Paper:
    return Paper(id=pid, title=title, abstract=abstract)


def related_of(papers) -> RelatedIndex:
    """Related papers over a search index of `papers`, as a library's are over its own."""
    return RelatedIndex(SearchIndex(list({p.id: p for p in papers}.values())))


def added(index: RelatedIndex, papers) -> None:
    """Papers added to the search index, then to the related papers: as an import adds them."""
    index.indexed.add(list(papers))
    index.add(papers)


SPLAT_A = paper(
    "a",
    "Deformable Gaussian Splatting for Dynamic Scenes",
    "We model dynamic scenes with deformable 3D Gaussian splatting, where a deformation field moves "
    "each Gaussian over time, giving real-time novel view synthesis of moving scenes.",
)
SPLAT_B = paper(
    "b",
    "4D Gaussian Splatting: Real-Time Rendering of Dynamic Scenes",
    "Splatting Gaussians that deform in time renders dynamic scenes in real time; a deformation "
    "network predicts how every Gaussian moves between frames.",
)
OTHERS = [
    paper("c", "Protein Structure Prediction with Language Models", "Protein language models predict structure."),
    paper("d", "Speculative Decoding for Faster Inference", "A draft model proposes tokens the large model verifies."),
    paper("e", "Reward Models for Robot Manipulation", "Reward models learnt from human preferences train robots."),
    paper("f", "Federated Learning under Privacy Constraints", "Clients train a shared model and keep their data."),
    paper("g", "Neural Radiance Fields in the Wild", "Radiance fields reconstruct scenes from photo collections."),
    paper("h", "Chain of Thought Prompting Elicits Reasoning", "Worked intermediate steps improve reasoning."),
]


@pytest.fixture(scope="module")
def index() -> RelatedIndex:
    return related_of([SPLAT_A, SPLAT_B, *OTHERS])


def test_two_papers_on_one_narrow_topic_find_each_other_first(index):
    assert index.related("a")[0].paper_id == "b"
    assert index.related("b")[0].paper_id == "a"


def test_shared_terms_name_the_words_both_papers_have(index):
    best = index.related("a")[0]
    assert {"gaussian", "splatting", "dynamic"} <= set(best.shared_terms)
    both = set(words(f"{SPLAT_A.title} {SPLAT_A.abstract}")) & set(words(f"{SPLAT_B.title} {SPLAT_B.abstract}"))
    assert set(best.shared_terms) <= both
    assert len(best.shared_terms) <= 5


def test_the_paper_itself_is_never_in_its_list(index):
    for pid in "abcdefgh":
        assert pid not in [r.paper_id for r in index.related(pid)]


def test_a_copy_under_another_id_scores_one():
    copy = paper("a2", SPLAT_A.title, SPLAT_A.abstract)
    best = related_of([SPLAT_A, copy, SPLAT_B, *OTHERS]).related("a")[0]
    assert best.paper_id == "a2"
    assert best.score == pytest.approx(1.0)


def test_sharing_only_stop_words_does_not_make_papers_related():
    tomato = paper(
        "t",
        "On the detection of blight in tomatoes",
        "We propose a novel method for the detection of blight in the leaves of tomatoes, and we show that it works.",
    )
    quantum = paper(
        "q",
        "On the thresholds of quantum codes",
        "We propose a novel method for the thresholds of quantum codes, and we show that it is tight.",
    )
    index = related_of([tomato, quantum, *OTHERS])
    assert "q" not in [r.paper_id for r in index.related("t")]
    assert "t" not in [r.paper_id for r in index.related("q")]


def test_a_paper_without_usable_words_has_no_related_papers():
    empty = paper("x", "On the", "And it is what we were, of all the 2024 results.")
    assert related_of([empty, SPLAT_A, SPLAT_B]).related("x") == []


def test_an_unknown_id_raises_key_error(index):
    with pytest.raises(KeyError):
        index.related("arxiv:0000.00000")


def test_limit_is_respected(index):
    assert len(index.related("a", limit=1)) == 1
    assert index.related("a", limit=0) == []


def test_equal_scores_are_ordered_by_id_whatever_the_input_order():
    copies = [paper(pid, SPLAT_B.title, SPLAT_B.abstract) for pid in ("b3", "b1", "b2")]
    forward = related_of([SPLAT_A, *copies, *OTHERS]).related("a")
    backward = related_of([*reversed(OTHERS), *reversed(copies), SPLAT_A]).related("a")
    assert [r.paper_id for r in forward[:3]] == ["b1", "b2", "b3"]
    assert forward == backward
    assert forward[0].score == forward[1].score == forward[2].score


def test_added_papers_are_found_and_new_facts_replace_old_ones():
    index = related_of([SPLAT_A, *OTHERS])
    assert "b" not in [r.paper_id for r in index.related("a")]
    added(index, [SPLAT_B])
    assert index.related("a")[0].paper_id == "b"
    assert index.related("b")[0].paper_id == "a"
    added(index, [paper("b", "Protein Folding with Language Models", "Protein language models predict folds.")])
    assert index.related("b")[0].paper_id == "c"
    assert "b" not in [r.paper_id for r in index.related("a")]
    assert len(index) == 8


def seed_papers() -> dict[str, Paper]:
    found: dict[str, Paper] = {}
    for path in sorted(Path(DATA).glob("*.txt")):
        for record in ingest.read_file(path):
            if isinstance(record, Paper):
                found.setdefault(record.id, record)
    return found


def test_on_the_bundled_library_normalisation_papers_find_normalisation_papers():
    papers = seed_papers()
    index = related_of(papers.values())
    layer_norm = next(p for p in papers.values() if p.title == "Layer Normalization")
    top = [papers[r.paper_id].title for r in index.related(layer_norm.id, limit=5)]
    assert all("Normalization" in title for title in top), top
    peri_ln = next(p for p in papers.values() if p.title.startswith("Peri-LN"))
    assert all("ln" in r.shared_terms for r in index.related(peri_ln.id, limit=3))


def test_a_saved_librarys_related_papers_hold_none_of_its_papers_and_answer_as_held_ones_do(tmp_path):
    # At 1M papers the first `m` held them all (4.4 GB), then a second inversion of them (1.2 GB, 39 s).
    library = Library.open(tmp_path / "home")  # the bundled papers, saved: in their paper file
    held = list(library.papers.values())
    _ = library.index

    def papers_alive() -> int:
        gc.collect()
        return sum(isinstance(o, Paper) for o in gc.get_objects())

    before = papers_alive()
    asked = held[::20]
    answers = {p.id: library.related(p.id) for p in asked}
    assert papers_alive() - before < 10  # not the 423 it read
    in_memory = related_of(held)
    assert all(answers[p.id] == in_memory.related(p.id, 20) for p in asked)
    assert all(answers.values())


VOCABULARY = "gaussian splatting diffusion video protein robot policy reward graph neural the of and we a model".split()
texts = st.lists(st.sampled_from(VOCABULARY), min_size=0, max_size=12).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(texts, texts), min_size=1, max_size=12), st.integers(1, 6))
def test_answers_are_well_formed(pairs, limit):
    papers = [paper(f"p{i}", title, abstract) for i, (title, abstract) in enumerate(pairs)]
    index = related_of(papers)
    for asked in papers:
        found = index.related(asked.id, limit)
        assert len(found) <= limit
        assert asked.id not in [r.paper_id for r in found]
        assert all(isinstance(r, Related) and 0 < r.score <= 1 and r.shared_terms for r in found)
        assert [r.score for r in found] == sorted((r.score for r in found), reverse=True)
        mine = set(words(f"{asked.title} {asked.abstract}"))
        assert all(set(r.shared_terms) <= mine for r in found)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(texts, texts), min_size=1, max_size=10), st.data())
def test_papers_added_or_changed_later_give_the_answers_of_a_fresh_build(pairs, data):
    papers = [paper(f"p{i}", title, abstract) for i, (title, abstract) in enumerate(pairs)]
    split = data.draw(st.integers(0, len(papers)), label="built from")
    grown = related_of(papers[:split])
    added(grown, papers[split:])
    changed = data.draw(st.integers(0, len(papers) - 1), label="changed")
    papers[changed] = paper(papers[changed].id, data.draw(texts), data.draw(texts))
    added(grown, [papers[changed]])
    fresh = related_of(papers)
    for asked in papers:
        assert grown.related(asked.id) == fresh.related(asked.id)


@pytest.mark.parametrize("few", [0, 10_000])  # counted by numpy, or in a set
def test_a_words_papers_are_counted_as_the_search_index_lists_them(monkeypatch, few):
    monkeypatch.setattr("reader.search.index._FEW_TO_COUNT", few)
    papers = list(seed_papers().values())
    vocabulary = {w for p in papers for w in words(f"{p.title} {p.abstract}")}
    grown = SearchIndex(papers[:300])
    grown.add(papers[300:])  # a part of the papers added
    replaced = SearchIndex(papers)
    replaced.add([paper(papers[0].id, "Attention is all you need", papers[0].abstract)])  # dead in the first part
    for index in (SearchIndex(papers), grown, replaced):
        assert all(index.count_with_word(w) == len(index.with_word(w)) for w in vocabulary)

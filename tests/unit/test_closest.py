"""Closest matches: a description in other words than the title still finds its paper,
after the papers with every word, and the query syntax keeps its strict meaning."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.paths import CORPORA
from reader.cli import main
from reader.library import Library
from reader.models import BLANK_STATE, Paper
from reader.query import QueryError, parse_query
from reader.search import SearchIndex, closest_divider
from reader.words import words

# Descriptions of bundled papers, written from their abstracts without their titles' words.
DESCRIBED = {
    "SOAP: Improving and Stabilizing Shampoo using Adam": "an optimizer running its updates in the eigenbasis of a "
    "second order preconditioner trains language models faster",
    "AWQ: Activation-aware Weight Quantization for LLM Compression and Acceleration": "protecting the few salient "
    "channels lets big language models run with low bit weights on edge devices",
    "Training Normalizing Flows from Dependent Data": "density estimation with invertible generative models when the "
    "samples are correlated rather than independent",
    "Segment Any Text: A Universal Approach for Robust, Efficient and Adaptable Sentence Segmentation": "splitting "
    "text into sentences across many languages even without punctuation",
    "TabReD: A Benchmark of Tabular Machine Learning in-the-Wild": "industry tables with time based splits show that "
    "evaluation on random splits overestimates models",
    "In-Context Learning through the Bayesian Prism": "transformers that learn function classes from prompts behave "
    "like the optimal posterior predictor",
    "Generative Pre-Trained Diffusion Paradigm for Zero-Shot Time Series Forecasting": "a pretrained denoising "
    "generative model predicts future values of sequences it never saw",
    "On Data Scaling in Masked Image Modeling": "does reconstructing hidden patches of pictures keep improving with "
    "more training examples and bigger vision models",
    "Rethinking Model Re-Basin and Linear Mode Connectivity": "permuting the neurons of two trained networks so that "
    "interpolating between their weights keeps the loss low",
}


def blank(_id: str):
    return BLANK_STATE


@pytest.fixture
def library(home):
    return Library.open(home)  # seeded with the bundled papers


def test_descriptions_in_other_words_find_their_paper(library):
    by_title = {p.title: p.id for p in library.papers.values()}
    found = 0
    for title, description in DESCRIBED.items():
        result = library.search(description, limit=10)
        assert result.complete == 0  # no paper has every word: all wrote "no papers match" before
        found += by_title[title] in result.ids
    assert found >= 6  # measured: 6 of 9, each of them first


PAPERS = [
    Paper(id="a", title="Sparse mixture of experts", abstract="routing tokens to experts scales language models"),
    Paper(id="b", title="Dense retrieval", abstract="dual encoders retrieve passages for question answering"),
    Paper(id="c", title="Expert routing survey", abstract="a survey of routing in mixture models"),
    Paper(id="d", title="Speculative decoding", abstract="draft tokens verified by a language model"),
]


def test_every_word_first_then_the_closest_and_the_count_of_complete_ones():
    result = SearchIndex(PAPERS).search("routing experts language", blank)
    assert result.ids[: result.complete] == ("a",) and result.total == 1
    assert set(result.ids[result.complete :]) == {"c", "d"}  # c has two of the words, d one
    assert result.ids.index("c") < result.ids.index("d")


def test_the_syntax_still_filters_strictly():
    index = SearchIndex(PAPERS)
    assert "c" not in index.search("routing experts -survey language", blank).ids
    assert set(index.search('"language model" routing tokens', blank).ids) == {"d"}  # a: "language models"
    assert set(index.search("title:survey routing language", blank).ids) == {"c"}
    assert index.search("survey | dense quantum", blank).ids == ()  # an or-clause is not plain words


def test_one_plain_word_has_no_closest_matches():
    assert SearchIndex(PAPERS).search("quantum", blank).ids == ()


# words none of which is a typo or a prefix of another paper word
word_lists = st.lists(st.sampled_from("routing sparse language tokens survey dense draft zzz".split()), min_size=2)


@given(word_lists, st.sampled_from(["survey", "tokens", "dense"]))
@settings(max_examples=60, deadline=None)
def test_complete_matches_precede_closest_ones_which_never_have_an_excluded_word(plain, excluded):
    result = SearchIndex(PAPERS).search(" ".join(plain) + f" -{excluded}", blank)
    text = {p.id: set(words(p.title + " " + p.abstract)) for p in PAPERS}
    complete, closest = result.ids[: result.complete], result.ids[result.complete :]
    assert all(set(plain) <= text[i] for i in complete)
    assert not any(set(plain) <= text[i] for i in closest)
    assert all(excluded not in text[i] for i in result.ids)
    assert all(s > t for s in result.scores[: result.complete] for t in result.scores[result.complete :])


def test_tilde_text_finds_the_paper_whose_abstract_was_pasted(library):
    paper = next(p for p in library.papers.values() if p.title.startswith("SOAP"))
    result = library.search("~" + paper.abstract)
    assert result.error is None and result.ids[0] == paper.id
    assert result.terms and all(t in words(paper.title + " " + paper.abstract) for t in result.terms)


def test_tilde_needs_text():
    with pytest.raises(QueryError):
        parse_query("~  ")
    assert parse_query('~ a "quoted" -text').similar == 'a "quoted" -text'


def run(capsys, *args):
    code = main(list(args))
    return code, capsys.readouterr().out


def test_cli_marks_results_with_every_word_and_draws_the_divider(home, capsys):
    description = DESCRIBED["SOAP: Improving and Stabilizing Shampoo using Adam"]
    code, out = run(capsys, "search", "--json", "--limit", "5", description)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == 5 and not any(r["all_words"] for r in records)
    assert records[0]["title"].startswith("SOAP")
    _, out = run(capsys, "search", "--limit", "3", "language models")
    assert "closest matches" not in out  # enough papers have both words
    _, out = run(capsys, "search", "--limit", "3", "shampoo preconditioner zzqx")
    assert out.splitlines()[0] == f"-- {closest_divider(0)} --" and "SOAP" in out


def test_export_leaves_the_closest_matches_out(home, capsys):
    code, out = run(capsys, "export", "shampoo preconditioner zzqx")
    assert code == 1 and out == ""


def test_tilde_after_a_filter_finds_similar_papers_among_those_it_matches(library):
    soap = next(p for p in library.papers.values() if p.title.startswith("SOAP"))
    library.set_bookmarked(soap.id, True)
    assert library.search("is:bookmarked ~" + soap.abstract).ids == (soap.id,)
    assert soap.id not in library.search("-is:bookmarked ~" + soap.abstract).ids
    assert parse_query('"a ~b" c').similar == ""  # inside quotes, or inside a word, ~ is no marker
    assert parse_query("x~y").similar == ""


def hf_described(count: int) -> list[tuple[Paper, str]]:
    """The first `count` Hugging Face papers with an `ai_summary`, and that summary with
    the paper's name and title words taken out (text nobody here wrote)."""
    import gzip

    found: dict[str, tuple[Paper, str]] = {}
    with gzip.open(CORPORA / "hf-daily-papers" / "hf_daily_papers_all.jsonl.gz", "rt", encoding="utf-8") as stream:
        for line in stream:
            item = json.loads(line).get("paper") or {}
            title, summary = item.get("title"), item.get("ai_summary")
            if title and summary and item.get("summary") and item["id"] not in found:
                name = set(words(title.split(":")[0])) if ":" in title else set()
                query = " ".join(w for w in words(summary) if w not in set(words(title)) | name)
                found[item["id"]] = (Paper(id=item["id"], title=title, abstract=item["summary"]), query)
                if len(found) == count:
                    break
    return list(found.values())


def test_summaries_by_others_find_their_paper_among_the_bundled_ones(library):
    described = hf_described(40)
    index = SearchIndex([p for p, _ in described] + list(library.papers.values()))
    found = sum(paper.id in index.search(query, blank, limit=10).ids for paper, query in described)
    assert found >= 36  # measured: 40 of 40; 39 of them have no paper with every word


def test_a_paper_with_the_descriptions_words_side_by_side_ranks_first():
    # Both have the three words; the newer (listed first when scores tie) has them apart.
    apart = Paper(
        id="apart", title="Exploration in agents", published="2025-02-01",
        abstract="The policy of an agent may collapse; we prevent it with noise.",
    )  # fmt: skip
    together = Paper(
        id="together", title="Exploration in agents", published="2025-01-01",
        abstract="We prevent policy collapse of an agent, it may with noise.",
    )  # fmt: skip
    index = SearchIndex([apart, together])
    result = index.search("methods prevent policy collapse", blank)  # no paper has "methods"
    assert result.complete == 0 and result.ids == ("together", "apart")


def test_a_search_asked_to_leave_closest_matches_out_says_they_are_pending(library, monkeypatch):
    description = DESCRIBED["SOAP: Improving and Stabilizing Shampoo using Adam"]
    assert not library.search(description, typing=True).closest_pending  # 423 papers: closest matches at once
    monkeypatch.setattr("reader.search.index.CLOSEST_WAITS_FROM", len(library.papers))
    typed = library.search(description, typing=True)
    assert typed.ids == () and typed.closest_pending
    paused = library.search(description)
    assert paused.ids and paused.complete == 0 and not paused.closest_pending
    assert not library.search("shampoo", typing=True).closest_pending  # one word: no closest matches to wait for

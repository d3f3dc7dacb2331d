"""Search: what each query finds, in what order, and that it never fails on user text."""

from __future__ import annotations

import errno
import io
import marshal
import os
import subprocess
import sys
import tempfile
from typing import IO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reader.search.builder as builder
import reader.search.facts as facts_module
import reader.search.index as search_module
from reader.models import BLANK_STATE, Paper, PaperState, Source
from reader.query import QueryError, parse_query
from reader.search import SearchIndex, SearchResult
from reader.words import highlight_spans


def paper(pid: str, title: str, abstract: str = "", **facts) -> Paper:
    return Paper(id=pid, title=title, abstract=abstract, **facts)


def blank(_id: str) -> PaperState:
    return BLANK_STATE


def ids(index: SearchIndex, text: str, state_of=blank, **kwargs) -> list[str]:
    """The papers that match the whole query (closest matches after them left out)."""
    result = index.search(text, state_of, **kwargs)
    assert result.error is None, result.error
    return list(result.ids[: result.complete])


LIBRARY = [
    paper(
        "attention",
        "Attention Is All You Need",
        "The dominant sequence transduction models are based on recurrent networks. We propose the Transformer.",
        authors=("Ashish Vaswani", "Noam Shazeer"),
        published="2017-06-12",
        links=("https://github.com/tensorflow/tensor2tensor",),
        sources=(Source("arxiv-2017.jsonl", "arxiv-listing", 0, "2017-06-12"),),
        arxiv_id="1706.03762",
    ),
    paper(
        "ddpm",
        "Denoising Diffusion Probabilistic Models",
        "We present high quality image synthesis results using diffusion probabilistic models.",
        authors=("Jonathan Ho", "Ajay Jain"),
        published="2020-06-19",
        sources=(Source("hf_daily.json", "hf-daily-json", 3, "2020-06-20"),),
    ),
    paper(
        "dpt",
        "Vision Transformers for Dense Prediction",
        "We introduce dense prediction transformers, an architecture that leverages vision transformers.",
        authors=("René Ranftl", "Alexey Bochkovskiy"),
        published="2021-03-24",
        links=("https://huggingface.co/spaces/x/dpt",),
    ),
    paper(
        "gpt4",
        "GPT-4 Technical Report",
        "We report the development of GPT-4, a large-scale multimodal model which can accept image inputs.",
        authors=("OpenAI",),
        published="2023-03-15",
        sources=(Source("hf_daily.json", "hf-daily-json", 9, "2023-03-16"),),
    ),
    paper(
        "survey",
        "A Survey of Large Language Models",
        "Language is essentially a complex system of human expressions. We survey large language models.",
        authors=("Wayne Xin Zhao",),
        published="2023-03-31",
    ),
    paper(
        "undated",
        "Graph Neural Networks: A Review of Methods",
        "Lots of learning tasks require dealing with graph data. A model of language is not one of them.",
        authors=("Jie Zhou",),
    ),
    paper(
        "undated2",
        "Neural Ordinary Differential Equations",
        "We introduce a new family of deep neural network models.",
        authors=("Ricky Chen",),
    ),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(LIBRARY)


# --- the empty query -----------------------------------------------------------------------


def test_empty_query_lists_everything_newest_first_then_undated_in_import_order(index):
    assert ids(index, "") == ["survey", "gpt4", "dpt", "ddpm", "attention", "undated", "undated2"]
    assert ids(index, "   ") == ids(index, "")


def test_empty_query_order_is_stable_for_same_dates():
    papers = [paper(f"p{i}", f"Paper {i}", published="2024-01-01") for i in range(5)]
    papers.append(paper("newer", "Newer", published="2024-02-01"))
    assert ids(SearchIndex(papers), "") == ["newer", "p0", "p1", "p2", "p3", "p4"]


def test_source_date_orders_a_paper_without_published_date():
    papers = [
        paper("old", "Old", published="2020-01-01"),
        paper("paged", "Paged", sources=(Source("page.txt", "hf-page", 0, "2022-05-01"),)),
        paper("none", "Nothing"),
    ]
    assert ids(SearchIndex(papers), "") == ["paged", "old", "none"]


# --- words, AND, OR, phrases, negation ----------------------------------------------------


def test_all_words_must_match(index):
    assert ids(index, "diffusion") == ["ddpm"]
    assert ids(index, "diffusion transformer") == []
    assert set(ids(index, "vision transformers")) == {"dpt"}


def test_prefix_matches_while_typing(index):
    assert "dpt" in ids(index, "transf")
    assert ids(index, "denois") == ["ddpm"]


def test_or_matches_either_and_both_rank_first(index):
    found = ids(index, "diffusion | vision")
    assert set(found) == {"ddpm", "dpt"}
    both = ids(index, "transformer | vision")
    assert both[0] == "dpt"  # matches both alternatives


def test_phrase_is_exact_and_in_order(index):
    assert ids(index, '"language models"') == ["survey"]
    assert "undated" not in ids(index, '"language model"')  # it has "model of language"
    assert ids(index, '"models language"') == []


def test_negated_word_and_phrase_exclude(index):
    assert "survey" not in ids(index, "language -survey")
    assert "ddpm" not in ids(index, "models -diffusion")
    assert "ddpm" not in ids(index, 'models -"image synthesis"')
    assert "ddpm" in ids(index, 'models -"synthesis image"')
    assert "survey" not in ids(index, "large -surv")  # a -word excludes words beginning with it
    assert "survey" in ids(index, "large -surveys")


def test_negated_word_does_not_use_typos(index):
    # "-tranformer" must not silently exclude every transformer paper
    assert "dpt" in ids(index, "vision -tranformer")


def test_hyphenated_word_matches_its_parts(index):
    assert ids(index, "gpt-4")[0] == "gpt4"
    assert ids(index, "GPT-4 report") == ["gpt4"]


def test_arxiv_id_finds_the_paper(index):
    assert ids(index, "1706.03762") == ["attention"]
    assert ids(index, "arxiv:1706.03762v3") == ["attention"]
    assert ids(index, "id:ddpm") == ["ddpm"]


def test_case_and_accents_do_not_matter(index):
    assert ids(index, "RENE ranftl") == ["dpt"]
    assert ids(index, "René") == ["dpt"]


# --- fields -------------------------------------------------------------------------------


def test_title_and_abstract_fields(index):
    assert ids(index, "title:transformers") == ["dpt"]
    assert "attention" in ids(index, "abstract:transformer")
    assert "attention" not in ids(index, "title:transformer")
    assert ids(index, 'title:"dense prediction"') == ["dpt"]


def test_author_field_and_author_words(index):
    assert ids(index, "author:vaswani") == ["attention"]
    assert ids(index, 'author:"ashish vaswani"') == ["attention"]
    assert ids(index, 'author:"vaswani noam"') == []  # a phrase never spans two authors
    assert ids(index, "shazeer") == ["attention"]  # plain words search authors too


def test_year_filters_use_published_only(index):
    assert set(ids(index, "year:2023")) == {"gpt4", "survey"}
    assert set(ids(index, "year:>=2021")) == {"gpt4", "survey", "dpt"}
    assert set(ids(index, "year:<2018")) == {"attention"}
    assert "undated" not in ids(index, "year:1000..9999")


def test_has_code(index):
    assert set(ids(index, "has:code")) == {"attention", "dpt"}
    assert set(ids(index, "-has:code year:>=2020")) == {"ddpm", "gpt4", "survey"}


def test_src_matches_file_or_format(index):
    assert set(ids(index, "src:hf_daily")) == {"ddpm", "gpt4"}
    assert ids(index, "src:arxiv-listing") == ["attention"]


STATES = {
    "ddpm": PaperState(read=True, bookmarked=True, tags=("ToRead", "gen")),
    "dpt": PaperState(tags=("vision",), note="check the DPT code"),
    "survey": PaperState(read=True),
}


def state_of(paper_id: str) -> PaperState:
    return STATES.get(paper_id, BLANK_STATE)


@pytest.mark.parametrize("stateful", [None, list(STATES)])
def test_state_filters(index, stateful):
    def found(text):
        return set(ids(index, text, state_of, stateful_ids=stateful))

    assert found("is:bookmarked") == {"ddpm"}
    assert found("is:read") == {"ddpm", "survey"}
    assert found("is:unread") == {"attention", "dpt", "gpt4", "undated", "undated2"}
    assert found("is:tagged") == {"ddpm", "dpt"}
    assert found("is:noted") == {"dpt"}
    assert found("has:note") == {"dpt"}
    assert found("tag:toread") == {"ddpm"}
    assert found("tag:to") == {"ddpm"}  # tags match by prefix too
    assert found("tag:vision transformers") == {"dpt"}
    assert found("-is:read models") == found("models") - {"ddpm", "survey"}
    assert found("is:bookmarked | tag:vision") == {"ddpm", "dpt"}


# --- malformed queries --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["title:", '"unclosed', "a |", "year:soon", "is:maybe", "-"])
def test_malformed_query_gives_hint_not_exception(index, text):
    result = index.search(text, blank)
    assert result.error and result.ids == () and result.scores == ()
    with pytest.raises(QueryError):
        parse_query(text)


# --- typos ----------------------------------------------------------------------------------


def test_typo_tranformer_finds_transformer_papers(index):
    found = ids(index, "tranformer")
    assert {"attention", "dpt"} <= set(found)


def test_two_typos_in_a_long_word(index):
    assert ids(index, "probabilstc") == ["ddpm"]  # 2 deletions in 13 letters


def test_swapped_letters_count_as_one_typo(index):
    assert ids(index, "denosiing") == ["ddpm"]


def test_short_words_forgive_no_substitution(index):
    papers = [paper("car", "Car detection"), paper("cat", "Cat detection")]
    small = SearchIndex(papers)
    assert ids(small, "cat") == ["cat"]
    assert ids(small, "cat detection") == ["cat"]


def test_three_letters_may_miss_one_letter():
    small = SearchIndex([paper("bias", "Inductive bias"), paper("big", "Big models")])
    assert ids(small, "bis") == ["bias"]


def test_digits_must_match_even_in_a_typo_tolerant_word():
    small = SearchIndex([paper("l2", "Llama2 chat"), paper("l3", "Llama3 herd")])
    assert ids(small, "llama3") == ["l3"]
    assert ids(small, "lama3") == ["l3"]


# --- ranking ----------------------------------------------------------------------------------


def rank(papers, text):
    return ids(SearchIndex(papers), text)


def test_exact_beats_fuzzy_in_the_same_field():
    papers = [paper("fuzzy", "Transformer models"), paper("exact", "Tranformer models")]
    assert rank(papers, "tranformer") == ["exact", "fuzzy"]


def test_whole_word_beats_prefix():
    papers = [paper("prefix", "Graphs everywhere"), paper("whole", "Graph everywhere")]
    assert rank(papers, "graph") == ["whole", "prefix"]


def test_title_beats_abstract():
    papers = [
        paper("abstract", "Some study", "We study diffusion."),
        paper("title", "Diffusion study", "We study something."),
    ]
    assert rank(papers, "diffusion") == ["title", "abstract"]
    assert rank(list(reversed(papers)), "diffusion") == ["title", "abstract"]


def test_title_beats_abstract_even_with_a_typo():
    papers = [paper("abstract", "Study", "diffusion"), paper("title", "Diffusion study", "nothing")]
    assert rank(papers, "difusion") == ["title", "abstract"]


def test_more_query_words_matched_beats_fewer():
    papers = [
        paper("one", "Graph learning"),
        paper("two", "Graph transformer learning"),
    ]
    assert rank(papers, "transformer | graph") == ["two", "one"]
    assert rank(papers, "learning transformer | graph") == ["two", "one"]


def test_query_words_in_title_order_rank_higher():
    papers = [
        paper("scattered", "Networks of neural training"),
        paper("in_order", "Training neural networks at scale"),
    ]
    assert rank(papers, "training neural networks") == ["in_order", "scattered"]


def test_ties_keep_the_default_order():
    papers = [paper(f"p{i}", "Same title", "same abstract", published=f"2024-01-0{i}") for i in range(1, 6)]
    assert rank(papers, "same") == ["p5", "p4", "p3", "p2", "p1"]
    undated = [paper(f"u{i}", "Same title") for i in range(4)]
    assert rank(undated, "same title") == ["u0", "u1", "u2", "u3"]


def test_scores_are_parallel_and_descending(index):
    result = index.search("transformer | diffusion", blank)
    assert len(result.scores) == len(result.ids)
    assert list(result.scores) == sorted(result.scores, reverse=True)


def test_limit_keeps_the_top_and_total_counts_all(index):
    full = index.search("models", blank)
    top = index.search("models", blank, limit=2)
    assert top.ids == full.ids[:2] and top.total == full.total == len(full.ids)


# --- highlighting -------------------------------------------------------------------------------


def test_terms_and_highlight_spans_for_a_typo(index):
    result = index.search("tranformer", blank)
    title = "Vision Transformers for Dense Prediction"
    spans = highlight_spans(title, result.terms)
    assert [title[a:b] for a, b in spans] == ["Transformers"]


def test_highlight_whole_words_prefixes_and_phrases():
    text = "Large language models, a LANGUAGE-model survey of Balázs"
    assert [text[a:b] for a, b in highlight_spans(text, frozenset({"language"}))] == ["language", "LANGUAGE"]
    assert [text[a:b] for a, b in highlight_spans(text, frozenset({"mod*"}))] == ["models", "model"]
    assert [text[a:b] for a, b in highlight_spans(text, frozenset({"language models"}))] == ["language models"]
    assert [text[a:b] for a, b in highlight_spans(text, frozenset({"balazs"}))] == ["Balázs"]
    assert highlight_spans(text, frozenset()) == []


def test_highlight_spans_are_sorted_and_disjoint():
    text = "diffusion models diffusion"
    spans = highlight_spans(text, frozenset({"diffusion", "diffusion models", "diff*"}))
    assert spans == [(0, 16), (17, 26)]


def test_result_terms_cover_phrases_and_prefixes(index):
    result = index.search('"dense prediction" vis', blank)
    text = "Vision Transformers for Dense Prediction"
    assert [text[a:b] for a, b in highlight_spans(text, result.terms)] == ["Vision", "Dense Prediction"]


# --- narrowing with the previous result ---------------------------------------------------------


def type_out(index, text, state=blank):
    previous = None
    for end in range(1, len(text) + 1):
        previous = index.search(text[:end], state, previous=previous)
    return previous


@pytest.mark.parametrize(
    "text",
    ["transformer vision", "diffusion models", "gpt-4 report", "language | vision", "models -diffusion", "tranformer"],
)
def test_typing_with_previous_gives_the_same_result_as_a_fresh_search(index, text):
    typed = type_out(index, text)
    fresh = index.search(text, blank)
    assert typed.ids == fresh.ids and typed.scores == fresh.scores


def test_previous_from_another_index_is_ignored(index):
    other = SearchIndex(LIBRARY[:2])
    previous = other.search("d", blank)
    assert index.search("diffusion", blank, previous=previous).ids == index.search("diffusion", blank).ids


# --- updates, cache, worker processes ------------------------------------------------------------


@pytest.fixture(params=["built", "read back"])
def new_index(request, tmp_path):
    """An index of papers as built, or as read back from its cache file (its postings,
    titles and vocabulary then lie in the mapped file, and an update goes beside them)."""

    def new(papers: list[Paper]) -> SearchIndex:
        if request.param == "built":
            return SearchIndex(papers)
        SearchIndex(papers, cache_dir=tmp_path)
        index = SearchIndex(papers, cache_dir=tmp_path)
        assert index.cache_hit
        return index

    return new


def test_add_new_and_replaced_papers(new_index):
    index = new_index(LIBRARY)
    index.add([paper("new", "Mamba: Linear-Time Sequence Modeling", published="2023-12-01")])
    assert ids(index, "mamba") == ["new"]
    index.add([paper("ddpm", "Consistency Models", "One step generation.", published="2023-03-02")])
    assert ids(index, "consistency") == ["ddpm"]
    assert ids(index, "denoising") == []  # the old facts are gone
    assert ids(index, "")[:3] == ["new", "survey", "gpt4"]
    assert len(index) == len(LIBRARY) + 1


def test_many_adds_stay_correct(new_index):
    index = new_index(LIBRARY)
    for i in range(12):
        index.add([paper(f"n{i}", f"Topic{i} paper", "shared words here")])
    assert len(ids(index, "shared words")) == 12
    assert ids(index, "topic7") == ["n7"]
    assert ids(index, "diffusion") == ["ddpm"]  # words of the papers read back, around the new ones


def test_disk_cache_is_reused_and_invalidated(tmp_path):
    first = SearchIndex(LIBRARY, cache_dir=tmp_path)
    assert not first.cache_hit
    second = SearchIndex(LIBRARY, cache_dir=tmp_path)
    assert second.cache_hit
    assert ids(second, "tranformer") == ids(first, "tranformer")
    changed = LIBRARY[:-1] + [paper("undated2", "Neural Controlled Differential Equations")]
    third = SearchIndex(changed, cache_dir=tmp_path)
    assert not third.cache_hit
    assert ids(third, "controlled") == ["undated2"]
    assert len(list(tmp_path.glob("search-*.idx"))) == 1  # old versions are removed


def test_a_saved_build_holds_its_postings_as_the_cache_file_does_and_answers_as_read_back(tmp_path):
    # A build kept each part's own list of words and offsets besides the copies laid
    # over the vocabulary that the save wrote: an import's peak held both (1M papers).
    built = SearchIndex(LIBRARY, cache_dir=tmp_path)
    read_back = SearchIndex(LIBRARY, cache_dir=tmp_path)
    assert read_back.cache_hit
    for query in ("tranformer", "attention", "diff*", "author:vaswani", "title:neural -diffusion", ""):
        assert ids(built, query) == ids(read_back, query)
    built.add([paper("later", "Attention over later words")])
    assert "later" in ids(built, "attention")


def test_a_cached_index_is_not_reused_once_a_date_or_link_changes(tmp_path):
    from dataclasses import replace

    first = SearchIndex(LIBRARY, cache_dir=tmp_path)
    oldest = ids(first, "")[-1]
    redated = [replace(p, published="2099-01-01") if p.id == oldest else p for p in LIBRARY]
    again = SearchIndex(redated, cache_dir=tmp_path)
    assert not again.cache_hit and ids(again, "")[0] == oldest  # newest first, as dated now
    assert oldest not in ids(again, "has:code")
    coded = [replace(p, links=("https://github.com/x/y",)) if p.id == oldest else p for p in redated]
    assert oldest in ids(SearchIndex(coded, cache_dir=tmp_path), "has:code")


def test_corrupt_cache_is_rebuilt(tmp_path):
    SearchIndex(LIBRARY, cache_dir=tmp_path)
    (cache_file,) = tmp_path.glob("search-*.idx")
    cache_file.write_bytes(b"garbage")
    index = SearchIndex(LIBRARY, cache_dir=tmp_path)
    assert not index.cache_hit and ids(index, "diffusion") == ["ddpm"]


def authored(i: int) -> Paper:
    return paper(
        f"p{i}", f"Title {i} about topic{i % 7}", f"abstract words {i} shared text", authors=(f"Ada Lovel{i % 5}", f"Bo Zhang{i}")
    )


# Queries that read each field: titles, abstracts and authors are all inverted by the workers.
FIELD_QUERIES = ("topic3", "title:about", "abstract shared", "words 17", "words 59", "author:lovel2", "zhang41", "word", "")


def test_worker_processes_build_the_same_index(monkeypatch, tmp_path, capfd):
    papers = [authored(i) for i in range(60)]
    monkeypatch.setattr(search_module, "_PARALLEL_MIN", 10)
    parallel = SearchIndex(papers, workers=2, cache_dir=tmp_path)
    assert [len(parts) for parts in parallel._parts] == [2, 2, 2]  # titles, abstracts and authors: the workers ran
    assert capfd.readouterr().err == ""  # and their parts were read: none was built here instead
    single = SearchIndex(papers, workers=1)
    restored = SearchIndex(papers, workers=2, cache_dir=tmp_path)
    assert restored.cache_hit
    for text in FIELD_QUERIES:
        assert ids(parallel, text) == ids(single, text) == ids(restored, text)


def test_a_worker_killed_mid_build_costs_only_its_share_and_says_so(monkeypatch, capsys):
    """As the out-of-memory killer does to a worker of a large import: the index is
    whole, the other worker's part is kept, and stderr says what happened."""
    papers = [authored(i) for i in range(60)]
    monkeypatch.setattr(search_module, "_PARALLEL_MIN", 10)
    pending = SearchIndex.begin(papers, workers=2)
    pending._builder._shares[1][1].proc.kill()  # before it has even started Python
    built = pending.complete()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "1 of 2 index workers failed (killed by signal 9" in lines[0]
    assert [len(parts) for parts in built._parts] == [2, 2, 2]
    single = SearchIndex(papers, workers=1)
    for text in FIELD_QUERIES:
        assert ids(built, text) == ids(single, text)


def test_an_index_worker_told_no_more_ends_without_an_index(tmp_path):
    """A worker whose builder stopped or died before the last frame of its share was
    written (an import interrupted) ends, saying it failed, rather than waiting for it
    or passing a part of its share off as the whole."""
    texts = tmp_path / "texts"
    with texts.open("wb") as stream:
        builder._write_frame(stream, marshal.dumps([("title words", "an abstract", "an author")]))
    with texts.open("rb") as stream:
        worker = subprocess.run(
            [sys.executable, "-m", "reader.search.worker", "0", str(stream.fileno())],
            input=b".",  # one frame told, then the builder is gone
            pass_fds=(stream.fileno(),),
            capture_output=True,
            timeout=120,
        )
    assert worker.returncode == 1
    assert worker.stdout == b""


TEMP_FILE = tempfile.TemporaryFile  # as it is before a test replaces it


class FillingFile(io.BufferedRandom):
    """A temp file on a disk that fills up during its `fails_at`-th write, which writes half its bytes."""

    def __init__(self, fails_at: int):
        super().__init__(TEMP_FILE(buffering=0))  # type: ignore[arg-type]
        self.writes, self.fails_at = 0, fails_at

    def write(self, data) -> int:  # noqa: ANN001
        self.writes += 1
        if self.writes == self.fails_at:
            super().write(bytes(data)[: len(data) // 2])
            super().flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(data)


def test_a_worker_whose_texts_fill_the_temp_folder_has_its_share_built_here(monkeypatch, capsys):
    """Its texts' file ran out of room in its second frame: the index is still whole
    (the texts it took are not lost), the other worker's part is kept, and stderr says so."""
    papers = [authored(i) for i in range(5000)]  # a worker's share is more than one frame
    made = []

    def temp_file() -> IO[bytes]:
        made.append(FillingFile(fails_at=4) if not made else TEMP_FILE())  # 4th: the second frame's texts
        return made[-1]

    monkeypatch.setattr(builder.tempfile, "TemporaryFile", temp_file)
    monkeypatch.setattr(search_module, "_PARALLEL_MIN", 10)
    built = SearchIndex.begin(papers, workers=2).complete()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "1 of 2 index workers failed (could not start (OSError: [Errno 28] No space left" in lines[0]
    assert [len(parts) for parts in built._parts] == [2, 2, 2]
    single = SearchIndex(papers, workers=1)
    for text in (*FIELD_QUERIES, "words 2100", "zhang4999", "topic5 title:4321"):
        assert ids(built, text) == ids(single, text)


def test_workers_that_die_at_once_or_cannot_write_their_index_cost_only_time(monkeypatch, capsys, tmp_path):
    """A worker gone before it is told of its frames (a broken pipe), or one whose
    index meets a full disk, has its share built here: the index is whole, and
    stderr says so in one line."""
    papers = [authored(i) for i in range(200)]
    monkeypatch.setattr(search_module, "_PARALLEL_MIN", 10)
    monkeypatch.setattr(builder, "_FRAME", 10)  # frames told after the worker is gone
    single = SearchIndex(papers, workers=1)
    with monkeypatch.context() as gone:
        gone.setattr(builder.sys, "executable", "/bin/false")
        dead = SearchIndex(papers, workers=2)
    made = []

    def temp_file() -> IO[bytes]:  # each share's texts, then the file its worker writes its index to
        made.append(TEMP_FILE() if len(made) % 2 == 0 else open("/dev/full", "w+b"))  # noqa: SIM115
        return made[-1]

    with monkeypatch.context() as full:
        full.setattr(builder.tempfile, "TemporaryFile", temp_file)
        unwritten = SearchIndex(papers, workers=2)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all("2 of 2 index workers failed (exit status 1" in line for line in lines)
    for text in (*FIELD_QUERIES, "words 150", "zhang199"):
        assert ids(dead, text) == ids(unwritten, text) == ids(single, text)


def test_documents_failing_mid_build_leave_no_worker_waiting(monkeypatch):
    """A paper that cannot be read while a worker's share is written (damage the
    rescue could not mend) fails the build, and stops every worker started for it:
    none is left waiting for the rest, holding its postings."""
    started = []
    popen = builder.subprocess.Popen

    def recorded(*args, **kwargs):  # noqa: ANN002, ANN003
        started.append(popen(*args, **kwargs))
        return started[-1]

    def documents():  # noqa: ANN202
        for i in range(300):
            yield (f"title {i}", f"abstract {i}", "an author")
        raise RuntimeError("a damaged paper")

    monkeypatch.setattr(builder.subprocess, "Popen", recorded)
    monkeypatch.setattr(builder, "_FRAME", 10)
    with pytest.raises(RuntimeError, match="a damaged paper"):
        builder.FieldBuilder(documents(), 3, workers=2, count=400)
    assert len(started) == 2  # the second share's worker had started
    assert all(proc.poll() is not None for proc in started)


def test_domain_modules_do_not_import_textual():
    code = "import sys, reader.search, reader.query; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- properties -------------------------------------------------------------------------------------

WORDS = ["graph", "neural", "network", "diffusion", "model", "vision", "language", "transformer", "data", "learning"]

small_papers = st.lists(
    st.tuples(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=5),
        st.lists(st.sampled_from(WORDS), max_size=8),
        st.one_of(st.none(), st.sampled_from(["2022-01-01", "2023-05-05", "2024-02-02"])),
    ),
    min_size=1,
    max_size=12,
).map(lambda rows: [paper(f"p{i}", " ".join(t).title(), " ".join(a), published=d) for i, (t, a, d) in enumerate(rows)])

query_text = st.one_of(
    st.text(max_size=30),
    st.lists(
        st.sampled_from(WORDS + ["grph", "tranformer", "-model", "|", '"', "title:", "vis", "-", "year:2023", "a"]),
        max_size=5,
    ).map(" ".join),
)


@given(small_papers, query_text)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_search_never_raises_and_returns_a_sane_result(papers, text):
    index = SearchIndex(papers)
    result = index.search(text, blank)
    assert isinstance(result, SearchResult)
    if result.error is not None:
        assert result.ids == ()
        return
    assert len(set(result.ids)) == len(result.ids)
    assert set(result.ids) <= {p.id for p in papers}
    assert list(result.scores) == sorted(result.scores, reverse=True)


TYPED = WORDS + ["grph", "tranformer", "visoin", "neural-network", "-data", "|", "title:graph", "lerning", "dat"]


@given(small_papers, st.lists(st.sampled_from(TYPED), min_size=1, max_size=4))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_typing_keystroke_by_keystroke_equals_a_fresh_search(papers, typed_words):
    index = SearchIndex(papers)
    text = " ".join(typed_words)
    typed = type_out(index, text)
    fresh = SearchIndex(papers).search(text, blank)
    assert (typed.ids, typed.scores, typed.error) == (fresh.ids, fresh.scores, fresh.error)


@given(small_papers, st.sampled_from(WORDS))
@settings(max_examples=60, deadline=None)
def test_every_paper_with_the_word_is_found_and_no_other(papers, word):
    found = set(SearchIndex(papers).search(word, blank).ids)
    expected = {p.id for p in papers if any(w.startswith(word) for w in (p.title + " " + p.abstract).lower().split())}
    assert expected <= found
    assert not any(word in p.title.lower() + p.abstract for p in papers if p.id not in found)


@given(small_papers, st.sampled_from(WORDS), st.sampled_from(WORDS))
@settings(max_examples=60, deadline=None)
def test_and_is_the_intersection_and_or_the_union(papers, a, b):
    index = SearchIndex(papers)
    found_a = set(ids(index, a))
    found_b = set(ids(index, b))
    assert set(ids(index, f"{a} {b}")) == found_a & found_b
    assert set(ids(index, f"{a} | {b}")) == found_a | found_b
    assert set(ids(index, f"{a} -{b}")) == found_a - found_b


def test_narrowing_by_reading_candidates_matches_the_index(monkeypatch):
    """With few candidates left, a new word is checked against their text instead of the
    postings: the answer must be the same."""
    import random

    rng = random.Random(0)
    vocab = WORDS + ["graphs", "modeling", "visual", "lang", "networks", "transformers", "dataset"]
    papers = [paper(f"p{i}", " ".join(rng.sample(vocab, 4)).title(), " ".join(rng.choices(vocab, k=12))) for i in range(400)]
    calls = []
    original = SearchIndex._word_within

    def spy(self, *args):
        calls.append(args)
        return original(self, *args)

    monkeypatch.setattr(SearchIndex, "_word_within", spy)
    monkeypatch.setattr(search_module, "_READ_FACTOR", 0)  # always read when narrowing
    monkeypatch.setattr(search_module, "_READ_NEW_FACTOR", 0)
    index = SearchIndex(papers)
    for text in ("graph neural network vision", "transformers dataset lang", "visual | graph modeling dat"):
        typed = type_out(index, text)
        fresh = SearchIndex(papers).search(text, blank)
        assert (typed.ids, typed.scores) == (fresh.ids, fresh.scores)
    assert calls  # the reading path did run


@given(small_papers, st.lists(st.sampled_from(TYPED), min_size=1, max_size=4))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_typing_with_candidate_reading_equals_a_fresh_search(papers, typed_words):
    text = " ".join(typed_words)
    fresh = SearchIndex(papers).search(text, blank)
    saved = search_module._READ_FACTOR, search_module._READ_NEW_FACTOR
    search_module._READ_FACTOR = search_module._READ_NEW_FACTOR = 0  # always read when narrowing
    try:
        typed = type_out(SearchIndex(papers), text)
    finally:
        search_module._READ_FACTOR, search_module._READ_NEW_FACTOR = saved
    assert (typed.ids, typed.scores, typed.error) == (fresh.ids, fresh.scores, fresh.error)


def test_a_repeated_word_beside_an_or_group_scores_the_same_when_typed():
    # Found by the property test above: a word that matched none of the candidates
    # it read used to drop out of the abstract-backing share.
    papers = [paper("p0", "Graph", "graph"), paper("p1", "Neural", "")]
    text = "graph graph | neural"
    fresh = SearchIndex(papers).search(text, blank)
    saved = search_module._READ_FACTOR, search_module._READ_NEW_FACTOR
    search_module._READ_FACTOR = search_module._READ_NEW_FACTOR = 0  # always read when narrowing
    try:
        typed = type_out(SearchIndex(papers), text)
    finally:
        search_module._READ_FACTOR, search_module._READ_NEW_FACTOR = saved
    assert (typed.ids, typed.scores) == (fresh.ids, fresh.scores)


def test_an_index_read_from_the_cache_answers_every_kind_of_query_as_a_fresh_build(tmp_path):
    from helpers.paths import CORPORA
    from reader.library import Library

    library = Library.open(tmp_path / "home")  # the seed library, and arXiv papers with ids and dates
    library.import_paths([CORPORA / "arxiv-api-atom"])
    papers = list(library.papers.values())
    built = SearchIndex(papers, cache_dir=tmp_path)
    read = SearchIndex(papers, cache_dir=tmp_path)
    assert read.cache_hit and not built.cache_hit
    some = next(p for p in papers if p.arxiv_id)
    source = some.sources[0].file.rsplit("/", 1)[-1]
    queries = [
        "", "tranformer", "diffusion | gan", '"language models"', "llm -survey", "title:mamba",
        "author:wang", "year:>=2024", "has:code vision", f"src:{source}", some.arxiv_id, "zero-shot", "zero-sh",
        "text-to-image", "vision-language model",
    ]  # fmt: skip
    for query in queries:
        fresh, again = built.search(query, blank), read.search(query, blank)
        assert (again.ids, again.scores, again.terms) == (fresh.ids, fresh.scores, fresh.terms), query
    assert read.search(some.arxiv_id, blank).ids[0] == some.id


def test_typing_further_gives_a_fresh_searchs_papers_when_many_words_are_a_typo_away():
    # More near spellings than an expansion keeps: "diffusio" keeps the closest to it
    # (d??ffusio), "diffusion" the closest to it (d??ffusion), so the papers with the
    # latter were lost when "diffusion" started from "diffusio"'s result.
    letters = "abcdeghjklmnopqrtuvwxyz"
    variants = [f"d{a}{b}ffusio" for a in letters for b in "ab"] + [f"d{a}{b}ffusion" for a in letters for b in "ab"]
    library = [paper(f"p{i}", f"{word} models") for i, word in enumerate(variants)]
    index = SearchIndex(library)
    typed = type_out(index, "diffusion")
    fresh = index.search("diffusion", blank)
    assert fresh.total > 0
    assert (typed.total, typed.ids) == (fresh.total, fresh.ids)


def test_a_paper_found_by_one_alternative_scores_alike_however_the_or_group_was_typed():
    # Found by "network" alone, it must not score for the compound's part it has
    # ("networ"), nor as far as the compound happened to be read after the last keystroke.
    library = [paper("p0", "Graph", "neural"), paper("p1", "Graph", "network")]
    text = "network | neural-network"
    fresh = SearchIndex(library).search(text, blank)
    assert list(fresh.ids) == ["p1"]
    assert list(fresh.scores) == list(SearchIndex(library).search("network", blank).scores)
    assert list(type_out(SearchIndex(library), text).scores) == list(fresh.scores)


# --- the facts a build gathers ----------------------------------------------------------

_SOURCES = [Source("a.jsonl", "hf-json", 1), Source("dir/B.bib", "bibtex", 2), Source("c.ris", "ris", 3)]


@st.composite
def fact_papers(draw) -> list[Paper]:
    """Papers whose facts take every way: ASCII or not, TeX in a title, one source or
    several, categories or none, a code link or none, a year from the date or the arXiv id."""
    text = st.text(max_size=12) | st.text(alphabet=st.characters(max_codepoint=127), max_size=12)
    papers = []
    for i in range(draw(st.integers(0, 12))):
        papers.append(
            Paper(
                id=f"p{i}",
                title=draw(text | st.sampled_from(["$\\textit{Trans-LoRA}$", "{GPT}-4", "Straße"])),
                abstract="",
                authors=tuple(draw(st.lists(text | st.sampled_from(["et al.", 'J. M{\\"u}ller', "Ann O'Brien"]), max_size=3))),
                links=tuple(
                    draw(st.lists(st.sampled_from(["https://GitHub.com/x/y", "https://arxiv.org/abs/1", "x"]), max_size=2))
                ),
                sources=tuple(draw(st.lists(st.sampled_from(_SOURCES), min_size=1, max_size=2, unique=True))),
                arxiv_id=draw(st.sampled_from([None, "2401.00001", "hep-th/9901001", f"2402.{i:05}"])),
                categories=tuple(draw(st.lists(st.sampled_from(["cs.LG", "CS.CL", "stat.ML"]), max_size=2))),
                published=draw(st.sampled_from([None, "2023-04-01", "n.d."])),
                upvotes=draw(st.sampled_from([None, 0, 7])),
                doi=draw(st.sampled_from([None, "10.1/x"])),
                venue=draw(st.sampled_from([None, "NeurIPS"])),
            )
        )
    return papers


@given(fact_papers())
def test_a_build_gathers_in_batches_the_facts_each_paper_gets_alone(papers):
    """A build gathers the facts column by column, a batch at a time; a paper added
    later gets its own one by one (Facts.update): the same facts either way."""
    gathering = facts_module.Gathering()
    for batch in (papers[i : i + 5] for i in range(0, len(papers), 5)):  # batches end mid-corpus
        list(gathering.add(batch))
    one_by_one = facts_module.Gathering().facts([])
    for docno, paper in enumerate(papers):
        one_by_one.update(docno, paper)
    assert gathering.facts(papers).saved() == one_by_one.saved()

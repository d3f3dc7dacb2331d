"""The Hugging Face papers page dumps: what a person importing the seeds gets."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.paths import DATA
from reader.ingest import hfpage, read_file
from reader.models import Paper, Problem, Source, title_key

FILES = sorted(DATA.glob("*.txt"))
ABSTRACT = "We study a thing carefully and find that it works well in practice."


def parse_text(text: str, name: str = "page.txt") -> list[Paper | Problem]:
    return list(hfpage.parse(io.StringIO(text), name))


@pytest.fixture(scope="module")
def records() -> dict[str, list[Paper | Problem]]:
    return {path.name: list(read_file(path)) for path in FILES}


@pytest.fixture(scope="module")
def papers(records) -> dict[tuple[str, str], Paper]:
    """Every paper by (file, title)."""
    return {(name, r.title): r for name, rs in records.items() for r in rs if isinstance(r, Paper)}


def test_the_five_seed_dumps_give_484_entries_and_423_distinct_papers(records):
    assert len(FILES) == 5
    entries = [r for rs in records.values() for r in rs]
    assert all(isinstance(r, Paper) for r in entries)  # no Problem: every title has its abstract
    assert len(entries) == 484
    merged: dict[str, Paper] = {}
    for paper in entries:
        merged[paper.id] = merged[paper.id].merged(paper) if paper.id in merged else paper
    assert len(merged) == 423


def test_the_seed_dumps_are_detected_by_sniffing():
    for path in FILES:
        assert hfpage.sniff(path.read_text(encoding="utf-8")[:4096]), path.name


def test_a_paper_from_000(papers):
    paper = papers["000_c5e99e074c6bc0be.txt", "Transformers Can Do Bayesian Inference"]
    assert paper.id == title_key("Transformers Can Do Bayesian Inference")
    assert paper.abstract.startswith("Currently, it is hard to reap the benefits of deep learning for Bayesian methods")
    assert paper.links == ("https://github.com/automl/TransformersCanDoBayesianInference",)
    assert paper.sources == (Source("000_c5e99e074c6bc0be.txt", "hf-page", 18, "Mar 14"),)


def test_a_paper_from_001(papers):
    paper = papers["001_1e2235affac03b04.txt", "SOAP: Improving and Stabilizing Shampoo using Adam"]
    assert "a higher-order preconditioning method" in paper.abstract
    assert paper.links == ("https://github.com/nikhilvyas/SOAP",)
    assert paper.sources == (Source("001_1e2235affac03b04.txt", "hf-page", 11, "Mar 11"),)


def test_a_paper_from_002_whose_title_is_glued_to_subscribe(records):
    first = records["002_a57fd4700eb33b2b.txt"][0]
    assert first.title == "DeeperGCN: All You Need to Train Deeper GCNs"
    assert first.id == title_key("DeeperGCN: All You Need to Train Deeper GCNs")
    assert first.abstract.startswith("Graph Convolutional Networks (GCNs) have been drawing significant attention")
    assert first.links == ("https://www.deepgcns.org",)
    assert first.sources == (Source("002_a57fd4700eb33b2b.txt", "hf-page", 1, None),)  # this page shows no date


def test_a_paper_from_003(papers):
    paper = papers["003_2b2ea7e06bc9cb78.txt", "Gradient Boosting Reinforcement Learning"]
    assert "(available at https://github.com/NVlabs/gbrl)." in paper.abstract
    assert paper.links == ("https://github.com/NVlabs/gbrl",)
    assert paper.sources == (Source("003_2b2ea7e06bc9cb78.txt", "hf-page", 37, "May 29"),)


def test_a_paper_from_004(records):
    paper = records["004_d5f733ac505f9768.txt"][3]
    assert paper.title == "SLCA: Slow Learner with Classifier Alignment for Continual Learning on a Pre-trained Model"
    assert paper.abstract.startswith("The goal of continual learning is to improve the performance of recognition models")
    assert paper.links == ("https://github.com/GengDavid/SLCA",)
    assert paper.sources == (Source("004_d5f733ac505f9768.txt", "hf-page", 4, None),)
    assert records["004_d5f733ac505f9768.txt"][-1].title.startswith("TokenUnify: Scalable Autoregressive")


def test_a_paper_listed_on_four_pages_merges_into_one_with_every_source(records):
    title = "On the Provable Advantage of Unsupervised Pretraining"
    copies = [r for rs in records.values() for r in rs if r.title == title]
    merged = copies[0]
    for other in copies[1:]:
        merged = merged.merged(other)
    assert [(s.file[:3], s.position, s.date) for s in merged.sources] == [
        ("000", 7, "Mar 14"),
        ("001", 18, "Mar 11"),
        ("002", 73, None),
        ("004", 32, None),
    ]


def test_no_page_furniture_ever_becomes_a_title(records):
    titles = [r.title for rs in records.values() for r in rs]
    for title in titles:
        assert title not in hfpage.BOILERPLATE
        assert not title.startswith("Subscribe")
        assert "research community" not in title and "trending papers" not in title
        assert title not in ("Mar 14", "Mar 11", "May 29")


def test_blank_lines_between_entries_change_nothing():
    path = DATA / "000_c5e99e074c6bc0be.txt"
    text = path.read_text(encoding="utf-8")
    assert "\n\n" in text
    dense = "\n".join(line for line in text.splitlines() if line.strip())
    assert parse_text(dense, path.name) == list(read_file(path))


def test_furniture_between_entries_is_skipped_and_a_date_line_dates_the_page():
    text = "\n".join(
        [
            "new",
            "Subscribe",
            "Daily Papers",
            "by AK and the research community",
            "Jun 3",
            "First Paper",
            ABSTRACT,
            "Subscribe",
            "Second Paper",
            "",
            ABSTRACT,
        ]
    )
    first, second = parse_text(text)
    assert (first.title, first.sources) == ("First Paper", (Source("page.txt", "hf-page", 1, "Jun 3"),))
    assert (second.title, second.sources) == ("Second Paper", (Source("page.txt", "hf-page", 2, "Jun 3"),))


def test_a_trailing_title_without_abstract_is_a_problem_not_a_paper():
    first, problem = parse_text(f"Get trending papers in your email inbox!\nA Paper\n{ABSTRACT}\nCut Off Here\n")
    assert isinstance(first, Paper) and first.title == "A Paper"
    assert isinstance(problem, Problem)
    assert (problem.file, problem.position) == ("page.txt", 2)
    assert "no abstract" in problem.message or "without an abstract" in problem.message
    assert "Cut Off Here" in problem.message


def test_a_title_missing_its_abstract_mid_page_does_not_shift_the_papers_after_it():
    records = parse_text(f"Lost Abstract Paper\nNext Paper\n{ABSTRACT}\nLast Paper\n{ABSTRACT}\n")
    assert isinstance(records[0], Problem) and "Lost Abstract Paper" in records[0].message
    assert [(r.title, r.sources[0].position) for r in records[1:]] == [("Next Paper", 2), ("Last Paper", 3)]


@pytest.mark.parametrize(
    "abstract, links",
    [
        ("Code is at https://github.com/a/b.", ("https://github.com/a/b",)),
        ("Code (https://github.com/a/b), data: https://x.org/d;", ("https://github.com/a/b", "https://x.org/d")),
        ("See 'https://x.org/a_(b)'.", ("https://x.org/a_(b)",)),
        ("Clone https://github.com/a/b.git. Or https://a.io/.", ("https://github.com/a/b.git", "https://a.io/")),
        # LaTeX residue from arXiv: \href{url}{url} with an escaped underscore, and a hard-wrapped URL.
        ("at~https://x.com/Strip_MLP{https://x.com/Strip\\_MLP}.", ("https://x.com/Strip_MLP",)),
        (
            "at https://github.com/deepmind/ deepmind-research/tree/nfnets",
            ("https://github.com/deepmind/deepmind-research/tree/nfnets",),
        ),
        ("Data at github.com/a/b.", ("https://github.com/a/b",)),
        ("No links here, e.g. none at all.", ()),
    ],
)
def test_links_are_urls_in_the_abstract_without_the_sentence_punctuation(abstract, links):
    (paper,) = parse_text(f"Title\n{abstract} {ABSTRACT}")
    assert paper.links == links


def test_real_links_with_odd_endings(papers):
    assert papers[
        "002_a57fd4700eb33b2b.txt", "KERPLE: Kernelized Relative Positional Embedding for Length Extrapolation"
    ].links == ("https://github.com/chijames/KERPLE.git",)
    assert papers["000_c5e99e074c6bc0be.txt", "Strip-MLP: Efficient Token Interaction for Vision MLP"].links == (
        "https://github.com/Med-Process/Strip_MLP",
    )
    every_link = [link for paper in papers.values() for link in paper.links]
    assert every_link and not [link for link in every_link if link[-1] in ".,;:)]}'\""]


@pytest.mark.parametrize(
    "head",
    [
        '{"title": "Get trending papers in your email inbox!"}',
        '[{"by AK and the research community": 1}]',
        "<feed>Get trending papers in your email inbox!</feed>",
        "@article{x, title={Get trending papers in your email inbox!}}",
        "% Get trending papers in your email inbox!",
        '  \n  {"a": "byAK and the research community"}',
        "Just some notes about papers.\nNothing else.",
    ],
)
def test_sniff_does_not_claim_other_formats(head):
    assert not hfpage.sniff(head)


_LINES = st.one_of(
    st.sampled_from([*hfpage.BOILERPLATE, "Mar 14", "", "SubscribeX", "A Title", ABSTRACT, "http://", "https://a.b/(."]),
    st.text(),
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(_LINES).map("\n".join)))
def test_any_text_yields_only_papers_with_a_title_and_abstract_or_problems(text):
    records = parse_text(text)
    assert all(isinstance(r, Paper | Problem) for r in records)
    papers = [r for r in records if isinstance(r, Paper)]
    for paper in papers:
        assert paper.title.strip() and paper.abstract.strip()
        assert paper.title not in hfpage.BOILERPLATE
    positions = [r.sources[0].position if isinstance(r, Paper) else r.position for r in records]
    assert positions == list(range(1, len(records) + 1))


# Text made of the pieces a URL is found by (schemes, `www.`, hosts, slashes, LaTeX
# escapes, case variants and the letters Python's re folds into ASCII ones), so the
# search reaches the pattern's every branch, not only text without a link.
_URL_PIECES = st.lists(
    st.one_of(
        st.sampled_from(["http://", "HTTPS://", "www.", "WwW.", "github.com/", "a.IO/", ".ai/", "x.dev", "/", " ", ".", ")"]),
        st.sampled_from(["\\_", "\\%", "\\", "{", "}", "ı", "İ", "ſ", "\u212a", "w", "W"]),
        st.text(max_size=8),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), _URL_PIECES))
def test_the_quick_test_for_links_finds_what_the_pattern_alone_finds(text):
    assert hfpage.links_in(text) == hfpage._links_found(text)

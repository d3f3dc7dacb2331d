"""`reader add`, `reader enrich`, `reader pdf` and the feed settings, against the
replay server (tests/helpers/replay.py)."""

import io
import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.replay import replay, tiny_pdf  # noqa: F401 - the fixture
from reader.cli import main
from reader.fetch import client as client_module
from reader.fetch.inputs import ARXIV, DOI, Wanted, parse_input
from reader.library import Library
from reader.settings import Feed, load_feeds

# What doi.org sends for this DOI with Accept: application/vnd.citationstyles.csl+json (Crossref's record).
PARROTS = {
    "indexed": {"date-parts": [[2024, 3, 5]]},
    "publisher-location": "New York, NY, USA",
    "reference-count": 152,
    "publisher": "ACM",
    "DOI": "10.1145/3442188.3445922",
    "type": "paper-conference",
    "created": {"date-parts": [[2021, 3, 4]]},
    "page": "610-623",
    "source": "Crossref",
    "title": "On the Dangers of Stochastic Parrots",
    "prefix": "10.1145",
    "author": [
        {"given": "Emily M.", "family": "Bender", "sequence": "first", "affiliation": [{"name": "University of Washington"}]},
        {"given": "Timnit", "family": "Gebru", "sequence": "additional", "affiliation": []},
        {"given": "Angelina", "family": "McMillan-Major", "sequence": "additional", "affiliation": []},
        {"given": "Shmargaret", "family": "Shmitchell", "sequence": "additional", "affiliation": []},
    ],
    "member": "320",
    "event": {"name": "FAccT '21: 2021 ACM Conference on Fairness, Accountability, and Transparency"},
    "container-title": "Proceedings of the 2021 ACM Conference on Fairness, Accountability, and Transparency",
    "original-title": [],
    "link": [{"URL": "https://dl.acm.org/doi/pdf/10.1145/3442188.3445922", "content-type": "unspecified"}],
    "issued": {"date-parts": [[2021, 3, 3]]},
    "URL": "http://dx.doi.org/10.1145/3442188.3445922",
    "ISBN": "9781450383097",
}


@pytest.fixture(autouse=True)
def no_waits(monkeypatch):
    monkeypatch.setattr(client_module, "BACKOFF", 0.0)


def cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- what `reader add` accepts ---------------------------------------------------

NEW_ID = st.from_regex(r"[0-9]{4}\.[0-9]{4,5}", fullmatch=True)
OLD_ID = st.builds(
    "{}/{}".format, st.sampled_from(["hep-th", "cond-mat", "math.PR", "q-bio"]), st.from_regex(r"[0-9]{7}", fullmatch=True)
)
VERSION = st.sampled_from(["", "v1", "v12"])
FORMS = [
    "{}", "arXiv:{}", "arxiv:{}", " {} ", "https://arxiv.org/abs/{}", "http://arxiv.org/abs/{}", "https://www.arxiv.org/abs/{}",
    "https://arxiv.org/pdf/{}", "https://arxiv.org/pdf/{}.pdf", "arxiv.org/abs/{}", "https://export.arxiv.org/abs/{}",
    "doi:10.48550/arXiv.{}", "https://doi.org/10.48550/arXiv.{}",
]  # fmt: skip
HF_FORMS = ["https://huggingface.co/papers/{}", "https://hf.co/papers/{}"]  # new-style ids only


@given(NEW_ID, VERSION, st.sampled_from(FORMS + HF_FORMS))
def test_every_way_of_writing_an_arxiv_paper_names_its_bare_id(bare, version, form):
    assert parse_input(form.format(bare + version)) == Wanted(ARXIV, bare)


@given(OLD_ID, VERSION, st.sampled_from(FORMS))
def test_old_style_arxiv_ids_are_read_too(bare, version, form):
    assert parse_input(form.format(bare + version)) == Wanted(ARXIV, bare)


@given(
    st.from_regex(r"10\.[0-9]{4,9}/[A-Za-z0-9._;()/:-]{1,40}", fullmatch=True),
    st.sampled_from(["doi:{}", "DOI: {}", "{}", "https://doi.org/{}", "http://dx.doi.org/{}"]),
)
def test_every_way_of_writing_a_doi_names_it(doi, form):
    if doi.casefold().startswith("10.48550/arxiv."):
        return
    assert parse_input(form.format(doi)) == Wanted(DOI, doi)


@given(st.text(max_size=80))
def test_any_text_is_read_or_refused_without_an_error(text):
    wanted = parse_input(text)
    assert wanted is None or (wanted.kind in (ARXIV, DOI) and wanted.key and wanted.key == wanted.key.strip())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nonsense",
        "https://example.org/abs/2306.13575",
        "https://arxiv.org/list/cs.CL/new",
        "ftp://arxiv.org/abs/2306.13575",
        "10.1145",
    ],
)
def test_what_names_no_paper_is_refused(text):
    assert parse_input(text) is None


# --- reader add -------------------------------------------------------------------


def test_add_by_id_and_urls_asks_arxiv_once_for_them_all(home, replay, capsys):
    code, out, err = cli(
        capsys, "add", "2410.19022v1", "https://arxiv.org/abs/1607.04331v2", "https://huggingface.co/papers/2502.06628",
        "arxiv.org/pdf/hep-th/0505137v1.pdf", "2410.19022",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "arxiv:2410.19022  new  Heterogeneous Random Forest",
        "arxiv:1607.04331  new  Random projections of random manifolds",
        "arxiv:2502.06628  new  Random Variables aren't Random",
        "arxiv:hep-th/0505137  new  A geometrical meaning to the electron mass from breakdown of Lorentz invariance",
        "arxiv:2410.19022  new  Heterogeneous Random Forest",
        "4 new, 0 merged, 0 unchanged",
    ]
    [asked] = replay.seen
    assert "id_list=2410.19022%2C1607.04331%2C2502.06628%2Chep-th%2F0505137" in asked.target
    paper = Library.open(home).get("arxiv:2410.19022")
    assert paper.authors == ("Ye-eun Kim", "Seoung Yun Kim", "Hyunjoong Kim")
    assert (paper.published, paper.categories) == ("2024-10-24", ("cs.LG", "stat.ML"))

    assert (
        cli(capsys, "add", "2410.19022")[1].splitlines()[0]
        == "arxiv:2410.19022  already in the library  Heterogeneous Random Forest"
    )


def test_add_says_which_inputs_it_could_not_use_and_adds_the_rest(home, replay, capsys):
    code, out, err = cli(capsys, "add", "nonsense", "2101.99999", "2101.02199")
    assert code == 1
    assert out.splitlines() == ["arxiv:2101.02199  new  Random-field random surfaces", "1 new, 0 merged, 0 unchanged"]
    assert err.splitlines() == [
        "reader: nonsense: not an arXiv id, an arXiv or Hugging Face paper URL, or a DOI",
        "reader: 2101.99999: arXiv has no such paper",
    ]


def test_add_a_doi_reads_its_csl_json_record(home, replay, capsys):
    replay.dois[PARROTS["DOI"]] = PARROTS
    code, out, err = cli(capsys, "add", "doi:10.1145/3442188.3445922", "https://doi.org/10.1145/0000000.0000000")
    assert code == 1
    assert out.splitlines()[0].endswith("  new  On the Dangers of Stochastic Parrots")
    assert err.splitlines() == [
        f"reader: https://doi.org/10.1145/0000000.0000000: {replay.url.removeprefix('http://')}: no such DOI"
    ]
    assert replay.seen[0].headers["Accept"] == "application/vnd.citationstyles.csl+json"
    library = Library.open(home)
    [paper] = [p for p in library.papers.values() if p.title == "On the Dangers of Stochastic Parrots"]
    assert paper.authors == ("Emily M. Bender", "Timnit Gebru", "Angelina McMillan-Major", "Shmargaret Shmitchell")
    assert paper.published == "2021-03-03"
    assert paper.links == ("https://doi.org/10.1145/3442188.3445922",)


def test_an_unreachable_service_is_said_per_input_and_nothing_changes(home, replay, capsys, monkeypatch):
    replay.fail("reset", "id_list", times=None)
    code, out, err = cli(capsys, "add", "2410.19022")
    assert (code, out) == (1, "")
    assert err.startswith("reader: 2410.19022: 127.0.0.1:") and err.count("\n") == 1
    assert "arxiv:2410.19022" not in Library.open(home).papers


# --- reader enrich ---------------------------------------------------------------


def title_only(home, titles):
    """A library holding papers known by title alone, as the bundled ones are."""
    listing = home.parent / "titles.bib"
    listing.write_text("".join(f"@article{{k{n}, title = {{{title}}}}}\n" for n, title in enumerate(titles)))
    library = Library.open(home, seed=False)
    library.import_paths([listing])
    return library


def test_enrich_takes_an_exact_title_match_only_and_leaves_the_state_alone(home, replay, capsys):
    library = title_only(home, ["Heterogeneous random-forest", "Random Forest", "Rotatable Random Sequences in Local Fields"])
    exact = library.resolve(next(p.id for p in library.papers.values() if p.title.startswith("Heterogeneous")))
    library.set_bookmarked(exact)
    library.add_tags(exact, ["trees"])
    state_before = (home / "state.json").read_bytes()

    code, out, err = cli(capsys, "enrich")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "2 matched, 1 unmatched"
    assert f"matched    {exact}  arXiv:2410.19022  Heterogeneous random-forest" in out
    assert "unmatched" in out and "Random Forest" in out.split("unmatched", 1)[1]  # "Heterogeneous Random Forest" is near, not it

    library = Library.open(home)
    paper = library.get(exact)  # the same id: the person's state is still keyed by it
    assert (paper.arxiv_id, paper.published, paper.categories) == ("2410.19022", "2024-10-24", ("cs.LG", "stat.ML"))
    assert paper.authors == ("Ye-eun Kim", "Seoung Yun Kim", "Hyunjoong Kim")
    assert library.state_of(exact).bookmarked and library.state_of(exact).tags == ("trees",)
    assert (home / "state.json").read_bytes() == state_before
    assert library.resolve("2410.19022") == exact


def test_enrich_with_a_query_asks_only_about_the_papers_it_finds(home, replay, capsys):
    title_only(home, ["Heterogeneous random-forest", "Rotatable Random Sequences in Local Fields"])
    code, out, _ = cli(capsys, "enrich", "rotatable")
    assert out.splitlines()[-1] == "1 matched, 0 unmatched"
    assert len(replay.seen) == 1 and "ti:%22rotatable+random+sequences+in+local+fields%22" in replay.seen[0].target


# --- reader pdf ------------------------------------------------------------------


@pytest.fixture
def with_paper(home, replay, capsys):
    replay.pdfs["2410.19022"] = tiny_pdf("Heterogeneous Random Forest")
    assert cli(capsys, "add", "2410.19022")[0] == 0
    replay.reset_log()
    return home / "pdfs" / "2410.19022.pdf"


def test_pdf_downloads_once_into_the_home_and_prints_where(home, replay, capsys, with_paper):
    code, out, err = cli(capsys, "pdf", "2410.19022")
    assert (code, out, err) == (0, f"{with_paper}\n", "")
    assert with_paper.read_bytes() == replay.pdfs["2410.19022"]
    assert cli(capsys, "pdf", "2410.19022")[:2] == (0, f"{with_paper}\n")
    assert len(replay.seen) == 1


def test_a_download_broken_off_goes_on_from_where_it_stopped(home, replay, capsys, with_paper):
    replay.fail("truncate", "/pdf/", times=None)  # every try breaks off half-way through what is left
    code, _, err = cli(capsys, "pdf", "2410.19022")
    assert code == 1 and "kept breaking off" in err and "run it again" in err
    assert not with_paper.exists()
    part = with_paper.with_name(with_paper.name + ".part")
    assert 0 < part.stat().st_size < len(replay.pdfs["2410.19022"])

    replay.faults.clear()
    have = part.stat().st_size
    replay.reset_log()
    assert cli(capsys, "pdf", "2410.19022")[0] == 0
    assert replay.seen[0].headers["Range"] == f"bytes={have}-" and replay.statuses() == [206]
    assert with_paper.read_bytes() == replay.pdfs["2410.19022"] and not part.exists()


def test_an_html_page_instead_of_the_pdf_is_refused_and_not_kept(home, replay, capsys, with_paper):
    replay.fail("html", "/pdf/", times=None)
    code, out, err = cli(capsys, "pdf", "2410.19022")
    assert (code, out) == (1, "")
    assert err.strip() == f"reader: {replay.url}/arxiv/pdf/2410.19022: the server sent an HTML page, not a PDF; nothing was kept"
    assert os.listdir(with_paper.parent) == []


def test_a_link_where_the_pdf_goes_is_refused(home, replay, capsys, with_paper, tmp_path):
    with_paper.parent.mkdir()
    elsewhere = tmp_path / "elsewhere"
    with_paper.symlink_to(elsewhere)
    code, _, err = cli(capsys, "pdf", "2410.19022")
    assert code == 1 and "is not a regular file" in err
    assert not elsewhere.exists() and replay.seen == []


def test_a_paper_without_a_pdf_says_what_may_help(home, replay, capsys):
    library = title_only(home, ["A paper known by its title"])
    code, _, err = cli(capsys, "pdf", next(iter(library.papers)))
    assert code == 1 and "no PDF known" in err and "reader enrich" in err


# --- CSL-JSON ------------------------------------------------------------------------


def test_csl_json_is_recognised_by_what_only_csl_writes_and_reads_as_precisely_as_dated():
    from helpers.paths import CORPORA
    from reader.ingest import csljson, detect

    assert detect(json.dumps([PARROTS])) == "csl-json"
    assert detect((CORPORA / "interop" / "semantic-scholar" / "s2_Paper.json").read_text()[:65536]) != "csl-json"
    zotero = {
        "id": "k",
        "type": "article-journal",
        "title": "A",
        "author": [{"literal": "The Team"}],
        "issued": {"date-parts": [["2021"]]},
    }
    [paper] = csljson.parse(io.StringIO(json.dumps([zotero])), "refs.json")
    assert (paper.authors, paper.published, paper.id.startswith("title:")) == (("The Team",), "2021", True)


# --- settings ------------------------------------------------------------------------


def test_feeds_default_to_hugging_face_and_each_category_is_a_feed(tmp_path):
    path = tmp_path / "settings.toml"
    assert load_feeds(path) == ((Feed("hf"),), {}, [])
    path.write_text(
        '[[feeds]]\nsource = "arxiv"\ncategories = ["cs.CL", "cs.LG"]\n[[feeds]]\nsource = "hf"\n[urls]\nhf = "http://127.0.0.1:8080/"\n'
    )
    feeds, urls, problems = load_feeds(path)
    assert [f.name for f in feeds] == ["arxiv cs.CL", "arxiv cs.LG", "hf"]
    assert (urls, problems) == ({"hf": "http://127.0.0.1:8080"}, [])


def test_a_feed_that_cannot_be_used_is_named_with_what_would_do(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text(
        '[[feeds]]\nsource = "rss"\n[[feeds]]\nsource = "arxiv"\n'
        '[[feeds]]\nsource = "arxiv"\ncategories = ["cs.CL", "CS CL"]\nfilter = 1\n'
        '[urls]\ndoi = "doi.org"\nbing = "https://bing.com"\n'
    )
    feeds, urls, problems = load_feeds(path)
    assert feeds == (Feed("arxiv", "cs.CL"),) and urls == {}
    assert problems == [
        'settings.toml: feeds #1: source = "rss" is not a source; one of: hf, arxiv',
        'settings.toml: feeds #2: an arXiv feed needs categories, as in categories = ["cs.CL", "cs.LG"]',
        "settings.toml: feeds #3: unknown key filter; a feed has source and categories",
        'settings.toml: feeds #3: "CS CL" is not an arXiv category (such as cs.CL or hep-th)',
        'settings.toml: urls.doi = "doi.org" is not an http(s) URL; the default is used',
        "settings.toml: urls.bing is not a service; one of: hf, arxiv_api, arxiv, doi",
    ]

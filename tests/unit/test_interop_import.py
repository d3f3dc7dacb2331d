"""The formats researchers export beyond BibTeX and arXiv's Atom: real OAI-PMH
and Semantic Scholar files (counted against the standard library's XML and
JSON parsers), RIS (against rispy), CSL-JSON, arXiv RSS, papis; a legacy-encoded
.bib; and a forced format that finds nothing saying why."""

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import rispy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.paths import CORPORA
from reader import export
from reader.ingest import IngestError, arxivrss, csljson, papis, read_file, ris
from reader.ingest.common import first_doi
from reader.library import Library
from reader.models import Paper, PaperState, Problem, Source

INTEROP = CORPORA / "interop"
OAI_FILES = sorted((INTEROP / "oai-pmh").glob("*.xml"))
OAI = "{http://www.openarchives.org/OAI/2.0/}"


def papers_and_problems(path: Path, format: str | None = None) -> tuple[list[Paper], list[Problem]]:
    records = list(read_file(path, format))
    return [r for r in records if isinstance(r, Paper)], [r for r in records if isinstance(r, Problem)]


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --- OAI-PMH ---------------------------------------------------------------------


@pytest.mark.parametrize("path", OAI_FILES, ids=lambda p: p.name)
def test_every_oai_pmh_record_is_read_with_its_id_title_and_doi(path):
    records = ET.parse(path).getroot().iter(f"{OAI}record")
    expected = []
    for record in records:
        fields = {local(e.tag): (e.text or "").strip() for e in record.find(f"{OAI}metadata")[0]}
        expected.append((fields["id"], " ".join(fields["title"].split()), fields.get("doi")))
    papers, problems = papers_and_problems(path)
    assert problems == []
    assert {p.sources[0].format for p in papers} <= {"oai-pmh"}
    assert [(p.arxiv_id, p.title) for p in papers] == [(i, t) for i, t, _ in expected]
    for paper, (_, _, doi) in zip(papers, expected, strict=True):
        assert paper.doi == (doi.replace(",", " ").replace(";", " ").split()[0].lower() if doi else None)
        assert paper.categories and paper.published and paper.authors


def test_oai_pmh_with_dublin_core_metadata():
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2024-06-11T12:00:00Z</responseDate>
<request verb="ListRecords" metadataPrefix="oai_dc">http://export.arxiv.org/oai2</request>
<ListRecords>
<record><header><identifier>oai:arXiv.org:1706.03762</identifier><datestamp>2023-08-03</datestamp></header>
<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>Attention Is All You Need</dc:title>
<dc:creator>Vaswani, Ashish</dc:creator><dc:creator>Shazeer, Noam</dc:creator>
<dc:subject>Computer Science - Computation and Language</dc:subject>
<dc:description>  The dominant sequence transduction models are based on complex recurrent
networks.</dc:description>
<dc:description>Comment: 15 pages, 5 figures</dc:description>
<dc:date>2017-06-12</dc:date><dc:date>2023-08-02</dc:date>
<dc:type>text</dc:type>
<dc:identifier>http://arxiv.org/abs/1706.03762</dc:identifier>
</oai_dc:dc></metadata></record>
<record><header status="deleted"><identifier>oai:arXiv.org:0704.0002</identifier></header></record>
</ListRecords></OAI-PMH>
"""
    path = _write(xml, "harvest.xml")
    (paper,), problems = papers_and_problems(path)
    assert problems == []
    assert (paper.arxiv_id, paper.title, paper.authors) == (
        "1706.03762",
        "Attention Is All You Need",
        ("Ashish Vaswani", "Noam Shazeer"),
    )
    assert paper.abstract == "The dominant sequence transduction models are based on complex recurrent networks."
    assert (paper.published, paper.sources[0].date) == ("2017-06-12", "2024-06-11")


def test_an_xml_file_declaring_entities_is_refused_before_parsing():
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords/></OAI-PMH>\n'
    )
    with pytest.raises(IngestError, match="declares a DOCTYPE or entities"):
        list(read_file(_write(bomb, "bomb.xml")))


# --- Semantic Scholar --------------------------------------------------------------


def test_a_semantic_scholar_paper_is_one_paper_not_its_citations():
    path = INTEROP / "semantic-scholar" / "s2_Paper.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    (paper,), problems = papers_and_problems(path)
    assert problems == [] and len(data["citations"]) > 100
    assert (paper.title, paper.doi, paper.venue) == (data["title"], data["externalIds"]["DOI"].lower(), data["journal"]["name"])
    assert paper.published == data["publicationDate"]
    assert paper.authors == tuple(a["name"] for a in data["authors"])


def test_a_semantic_scholar_search_page_gives_each_result():
    path = INTEROP / "semantic-scholar" / "s2_search_paper.json"
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    papers, problems = papers_and_problems(path)
    assert problems == []
    assert [p.title for p in papers] == [d["title"] for d in data]
    assert all(f"https://www.semanticscholar.org/paper/{d['paperId']}" in p.links for p, d in zip(papers, data, strict=True))


def test_a_semantic_scholar_list_with_arxiv_ids():
    items = [
        {
            "paperId": "a" * 40,
            "title": "Attention Is All You Need",
            "externalIds": {"ArXiv": "1706.03762", "DOI": "10.48550/arXiv.1706.03762"},
            "year": 2017,
            "authors": [{"authorId": "1", "name": "Ashish Vaswani"}],
            "publicationTypes": None,
        }
    ]
    (paper,), _ = papers_and_problems(_write(json.dumps(items), "batch.json"))
    assert (paper.id, paper.published, paper.authors) == ("arxiv:1706.03762", "2017", ("Ashish Vaswani",))


def test_every_interop_corpus_file_imports_into_a_library_without_problems(home):
    files = [p for p in sorted(INTEROP.rglob("*")) if p.is_file() and p.suffix in (".xml", ".json", ".bib")]
    report = Library.open(home, seed=False).import_paths(files)
    assert report.problems == []
    assert set(report.per_format) == {"oai-pmh", "semantic-scholar", "bibtex"}
    assert report.per_format["semantic-scholar"] == 101
    assert report.per_format["oai-pmh"] == sum(len(list(ET.parse(f).getroot().iter(f"{OAI}record"))) for f in OAI_FILES)


# --- RIS ---------------------------------------------------------------------------

ZOTERO_RIS = """TY  - JOUR
TI  - Deep learning
AU  - LeCun, Yann
AU  - Bengio, Yoshua
AU  - Hinton, Geoffrey
T2  - Nature
AB  - Deep learning allows computational models that are composed of multiple processing layers
  to learn representations of data with multiple levels of abstraction.
DA  - 2015/05/27/
PY  - 2015
DO  - 10.1038/nature14539
VL  - 521
IS  - 7553
SP  - 436
EP  - 444
SN  - 1476-4687
UR  - https://www.nature.com/articles/nature14539
L1  - files/12/LeCun et al. - 2015 - Deep learning.pdf
ER  - 

TY  - CHAP
TI  - Long Short-Term Memory
AU  - Hochreiter, Sepp
A2  - Kolen, John F.
T2  - A Field Guide to Dynamical Recurrent Networks
PB  - IEEE
PY  - 2001
ER  - 

TY  - PREPRINT
TI  - Attention Is All You Need
AU  - Vaswani, Ashish
DO  - 10.48550/arXiv.1706.03762
UR  - http://arxiv.org/abs/1706.03762
PY  - 2017
ER  - 
"""


def test_a_zotero_ris_export_is_read_as_rispy_reads_it():
    expected = rispy.loads(ZOTERO_RIS)
    papers, problems = papers_and_problems(_write(ZOTERO_RIS, "zotero.ris"))
    assert problems == []
    assert [p.title for p in papers] == [e["title"] for e in expected]
    nature, chapter, preprint = papers
    assert (nature.venue, nature.volume, nature.number, nature.pages, nature.doi, nature.published) == (
        "Nature",
        "521",
        "7553",
        "436--444",
        "10.1038/nature14539",
        "2015-05-27",
    )
    assert nature.authors == ("Yann LeCun", "Yoshua Bengio", "Geoffrey Hinton")
    assert nature.abstract.endswith("multiple levels of abstraction.")
    assert nature.files == ("files/12/LeCun et al. - 2015 - Deep learning.pdf",)
    assert (chapter.entry_type, chapter.editors, chapter.publisher) == ("CHAP", ("John F. Kolen",), "IEEE")
    assert preprint.id == "arxiv:1706.03762"


def test_a_ris_record_cut_short_is_named():
    papers, problems = papers_and_problems(_write(ZOTERO_RIS.rsplit("ER  -", 1)[0], "cut.ris"))
    assert len(papers) == 2
    assert [str(p) for p in problems] == ["cut.ris:3: the file ends inside the record at line 30 (no 'ER  -'); record skipped"]


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40).map(str.strip).filter(bool)


@given(st.text(max_size=400))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_ris_never_fails_on_arbitrary_text(text):
    for record in ris.parse(io.StringIO(text), "x.ris"):
        assert isinstance(record, (Paper, Problem))


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "title": _text,
                "authors": st.lists(
                    st.tuples(
                        _text.filter(lambda s: "," not in s and " and " not in s),
                        _text.filter(lambda s: "," not in s and " and " not in s),
                    ),
                    max_size=3,
                ),
                "year": st.integers(1000, 2999),
                "volume": st.integers(1, 999),
                "venue": _text,
            }
        ),
        min_size=1,
        max_size=4,
    )
)
@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
def test_generated_ris_records_read_back_field_for_field(records):
    text = "".join(
        "TY  - JOUR\n"
        + f"TI  - {r['title']}\n"
        + "".join(f"AU  - {last}, {first}\n" for last, first in r["authors"])
        + f"JF  - {r['venue']}\nPY  - {r['year']}\nVL  - {r['volume']}\nER  - \n\n"
        for r in records
    )
    papers = list(ris.parse(io.StringIO(text), "gen.ris"))
    assert [(p.title, p.venue, p.published, p.volume) for p in papers] == [
        (" ".join(r["title"].split()), " ".join(r["venue"].split()), str(r["year"]), str(r["volume"])) for r in records
    ]
    assert [len(p.authors) for p in papers] == [len(r["authors"]) for r in records]


# --- CSL-JSON ------------------------------------------------------------------------

CSL = [
    {
        "id": "lecun2015",
        "type": "article-journal",
        "title": "Deep learning",
        "container-title": "Nature",
        "volume": "521",
        "issue": "7553",
        "page": "436-444",
        "DOI": "10.1038/nature14539",
        "publisher": "Nature Publishing Group",
        "author": [{"family": "LeCun", "given": "Yann"}, {"literal": "Google DeepMind"}],
        "editor": [{"family": "Smith", "given": "Ann"}],
        "issued": {"date-parts": [[2015, 5, 27]]},
        "abstract": "Deep learning allows computational models.",
    },
    {
        "id": "vaswani2017",
        "type": "article",
        "title": "Attention Is All You Need",
        "number": "arXiv:1706.03762",
        "URL": "http://arxiv.org/abs/1706.03762",
        "issued": {"date-parts": [["2017", "6"]]},
    },
    {"id": "broken", "type": "book"},
]


def test_a_csl_json_export_is_read():
    papers, problems = papers_and_problems(_write(json.dumps(CSL, indent=2), "My Library.json"))
    nature, attention = papers
    assert (nature.entry_type, nature.venue, nature.volume, nature.number, nature.pages, nature.publisher) == (
        "article-journal",
        "Nature",
        "521",
        "7553",
        "436-444",
        "Nature Publishing Group",
    )
    assert (nature.authors, nature.editors, nature.published, nature.doi) == (
        ("Yann LeCun", "Google DeepMind"),
        ("Ann Smith",),
        "2015-05-27",
        "10.1038/nature14539",
    )
    assert (attention.id, attention.published) == ("arxiv:1706.03762", "2017-06")
    assert [str(p) for p in problems] == ["My Library.json:3: item 'broken' has no title"]


def test_zoteros_wrapped_csl_items_and_deep_yaml():
    papers, _ = papers_and_problems(_write(json.dumps({"items": CSL[:2]}), "zotero-api.json"))
    assert [p.title for p in papers] == ["Deep learning", "Attention Is All You Need"]
    with pytest.raises(IngestError, match="nested too deeply"):
        list(papis.parse(io.StringIO("title: x\nauthor: " + "[" * 5000 + "]" * 5000 + "\n"), "info.yaml"))


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["title", "author", "issued", "date-parts", "DOI", "URL", "page", "family", "literal", "number", "type"]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(st.lists(_json, max_size=4))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_csl_json_never_fails_on_arbitrary_items(items):
    for record in csljson.parse(io.StringIO(json.dumps(items)), "x.json"):
        assert isinstance(record, (Paper, Problem))


# CSL titles may hold rich-text markup (<i>…</i>), which is read as markup: the property is about text.
_csl_text = _text.filter(lambda s: "<" not in s)


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "title": _csl_text,
                "container-title": _csl_text,
                "volume": st.integers(1, 999).map(str),
                "author": st.lists(st.fixed_dictionaries({"family": _csl_text, "given": _csl_text}), max_size=3),
                "issued": st.fixed_dictionaries(
                    {"date-parts": st.tuples(st.integers(1000, 2999), st.integers(1, 12)).map(lambda d: [list(d)])}
                ),
            }
        ),
        min_size=1,
        max_size=4,
    )
)
@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
def test_generated_csl_items_read_back_field_for_field(items):
    papers = list(csljson.parse(io.StringIO(json.dumps(items)), "gen.json"))
    assert [(p.title, p.venue, p.volume, p.published) for p in papers] == [
        (
            " ".join(i["title"].split()),
            " ".join(i["container-title"].split()),
            i["volume"],
            f"{i['issued']['date-parts'][0][0]}-{i['issued']['date-parts'][0][1]:02d}",
        )
        for i in items
    ]
    assert [p.authors for p in papers] == [
        tuple(" ".join(f"{a['given']} {a['family']}".split()) for a in i["author"]) for i in items
    ]


# --- arXiv RSS ----------------------------------------------------------------------

# The shape rss.arxiv.org serves (RSS 2.0 with arxiv: and dc: elements), as its documentation shows.
ARXIV_RSS = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>cs.LG updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.LG</link>
    <description>cs.LG updates on the arXiv.org e-print archive.</description>
    <atom:link href="https://rss.arxiv.org/rss/cs.LG" rel="self" type="application/rss+xml"/>
    <language>en-us</language>
    <lastBuildDate>Tue, 18 Jun 2024 00:00:00 -0400</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>Tue, 18 Jun 2024 00:00:00 -0400</pubDate>
    <item>
      <title>Scaling Laws for Sparse Autoencoders</title>
      <link>https://arxiv.org/abs/2406.12345</link>
      <description>arXiv:2406.12345v1 Announce Type: new 
Abstract: We study how sparse autoencoders scale
with the number of latents.</description>
      <guid isPermaLink="false">oai:arXiv.org:2406.12345v1</guid>
      <category>cs.LG</category>
      <category>cs.AI</category>
      <pubDate>Tue, 18 Jun 2024 00:00:00 -0400</pubDate>
      <arxiv:announce_type>new</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:creator>Ann Lee, Bo Chen, Cy Diaz</dc:creator>
    </item>
    <item>
      <title>An Older Paper, Replaced</title>
      <link>https://arxiv.org/abs/2301.00001</link>
      <description>arXiv:2301.00001v3 Announce Type: replace 
Abstract: Revised.</description>
      <category>cs.LG</category>
      <pubDate>Tue, 18 Jun 2024 00:00:00 -0400</pubDate>
      <arxiv:announce_type>replace</arxiv:announce_type>
      <dc:creator>Dee Evans</dc:creator>
    </item>
  </channel>
</rss>
"""


def test_an_arxiv_rss_feed_is_read():
    papers, problems = papers_and_problems(_write(ARXIV_RSS, "cs.LG.xml"))
    new, replaced = papers
    assert problems == [] and {p.sources[0].format for p in papers} == {"arxiv-rss"}
    assert (new.arxiv_id, new.title, new.authors, new.categories) == (
        "2406.12345",
        "Scaling Laws for Sparse Autoencoders",
        ("Ann Lee", "Bo Chen", "Cy Diaz"),
        ("cs.LG", "cs.AI"),
    )
    assert new.abstract == "We study how sparse autoencoders scale with the number of latents."
    assert (new.published, replaced.published, replaced.sources[0].date) == ("2024-06-18", None, "2024-06-18")


# --- papis -------------------------------------------------------------------------------

PAPIS = """author: LeCun, Yann and Bengio, Yoshua
author_list:
- family: LeCun
  given: Yann
- family: Bengio
  given: Yoshua
doi: 10.1038/nature14539
files:
- lecun-deep-learning.pdf
journal: Nature
month: 5
papis_id: 4b1a3e0b8f3d2c1a
ref: LeCun2015
tags:
- reviews
title: 'Deep learning: a review'
type: article
volume: 521
year: 2015
"""


def test_a_papis_info_yaml_is_read_with_its_pdf_as_a_full_path(tmp_path):
    folder = tmp_path / "papers" / "lecun"
    folder.mkdir(parents=True)
    (folder / "info.yaml").write_text(PAPIS)
    (paper,), problems = papers_and_problems(folder / "info.yaml")
    assert problems == []
    assert (paper.title, paper.authors, paper.venue, paper.volume, paper.published, paper.doi) == (
        "Deep learning: a review",
        ("Yann LeCun", "Yoshua Bengio"),
        "Nature",
        "521",
        "2015-05",
        "10.1038/nature14539",
    )
    assert paper.files == (str(folder / "lecun-deep-learning.pdf"),)


def test_a_papis_pdf_is_a_full_path_when_imported_from_another_folder(tmp_path, monkeypatch):
    folder = tmp_path / "papers" / "lecun"
    folder.mkdir(parents=True)
    (folder / "info.yaml").write_text(PAPIS)
    monkeypatch.chdir(tmp_path)
    (paper,), _ = papers_and_problems(Path("papers/lecun/info.yaml"))
    assert paper.files == (str(folder / "lecun-deep-learning.pdf"),)


def test_a_papis_file_that_is_not_yaml_says_where():
    with pytest.raises(IngestError, match=r"not valid YAML \(.* at line 3\)"):
        list(papis.parse(io.StringIO("title: x\nauthor: [unclosed\n"), "info.yaml"))


# --- encodings and forced formats -----------------------------------------------------------


def test_a_latin1_bib_is_read_with_a_note_naming_the_line(tmp_path):
    path = tmp_path / "legacy.bib"
    path.write_bytes("@article{k,\n  title = {Über Gödel},\n  author = {Müller, Jürgen},\n  year = 1999\n}\n".encode("cp1252"))
    (paper,), (note,) = papers_and_problems(path)
    assert (paper.title, paper.authors) == ("Über Gödel", ("Jürgen Müller",))
    assert note.position == 2 and "read as Windows-1252" in note.message and "0xDC" in note.message


def test_a_cp1252_ris_with_smart_quotes_late_in_the_file_is_read(tmp_path):
    path = tmp_path / "endnote.ris"
    text = ZOTERO_RIS * 400 + "TY  - JOUR\nTI  - \u201cQuoted\u201d title\nER  - \n"
    path.write_bytes(text.encode("cp1252"))
    papers, (note,) = papers_and_problems(path)
    assert papers[-1].title == "\u201cQuoted\u201d title" and len(papers) == 1201
    assert note.position == text.count("\n") - 1


def test_a_latin1_json_file_is_still_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_bytes(json.dumps(CSL, ensure_ascii=False).replace("Deep", "D\u00e9ep").encode("latin-1"))
    with pytest.raises(IngestError, match="not readable as UTF-8"):
        list(read_file(path))


def test_a_forced_format_that_finds_nothing_says_why_in_one_line():
    bib = INTEROP / "bibtex-real" / "rnbguy_thesis2021_dblp.bib"
    with pytest.raises(IngestError, match=r"read as ris: no papers found \(no records found\); the file looks like bibtex"):
        list(read_file(bib, "ris"))
    atom = next((CORPORA / "arxiv-api-atom").glob("*.xml"))
    with pytest.raises(IngestError, match=r"read as arxiv-rss: no papers found .*; the file looks like arxiv-atom"):
        list(read_file(atom, "arxiv-rss"))


def test_a_forced_format_that_fits_reads_as_before():
    papers, _ = papers_and_problems(INTEROP / "bibtex-real" / "rnbguy_thesis2021_dblp.bib", "bibtex")
    assert len(papers) == 36


def _write(text: str, name: str) -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="interop-"))
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_format_names_list_the_new_formats():
    from reader.ingest import format_names

    assert {"ris", "csl-json", "oai-pmh", "arxiv-rss", "semantic-scholar", "papis"} <= set(format_names())
    assert arxivrss.NAME == "arxiv-rss"


# --- DOIs -------------------------------------------------------------------------


def _sici_doi() -> str:
    """A Wiley SICI DOI (with `;`) as a real biblatex file gives it."""
    text = (INTEROP / "bibtex-real" / "plk_biblatex-examples.bib").read_text(encoding="utf-8")
    (doi,) = {line.split("{", 1)[1].rsplit("}", 1)[0] for line in text.splitlines() if "doi" in line and "CO;2" in line}
    return doi


def test_a_doi_with_a_semicolon_is_kept_whole_in_csl_json_and_ris():
    doi = _sici_doi()
    csl = json.dumps([{"id": "x", "type": "article-journal", "title": "SICI", "issued": {"date-parts": [[1998]]}, "DOI": doi}])
    ris_text = f"TY  - JOUR\nTI  - SICI\nDO  - {doi}\nER  - \n"
    (from_csl,), _ = papers_and_problems(_write(csl, "z.json"))
    (from_ris,), _ = papers_and_problems(_write(ris_text, "z.ris"))
    assert from_csl.doi == from_ris.doi == doi.lower()
    assert f"https://doi.org/{doi.lower()}" in from_csl.links


def test_a_field_listing_several_dois_gives_the_first():
    assert first_doi("10.1000/a, 10.1000/b") == "10.1000/a"
    assert first_doi("10.1000/a; doi:10.1000/b") == "10.1000/a"
    assert first_doi("see 10.1000/a 10.1000/b") == "10.1000/a"


# Printable, no space; no backslash, which BibTeX escaping (`\_`) is undone from.
_DOI_SUFFIX = st.text(
    st.characters(min_codepoint=33, max_codepoint=0x2FFF, blacklist_categories=("Z", "C"), blacklist_characters="\\"),
    min_size=1,
    max_size=40,
)
_DOIS = st.builds(lambda registrant, suffix: f"10.{registrant}/{suffix}", st.integers(1000, 999999), _DOI_SUFFIX)


@given(_DOIS)
def test_any_printable_doi_survives_first_doi(doi):
    assert first_doi(doi) == doi.lower()


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(_DOIS)
def test_any_printable_doi_survives_csl_json_and_ris_export_and_import(doi):
    paper = Paper(id=f"doi:{doi.lower()}", title="T", abstract="", doi=doi.lower(), sources=(Source("a.bib", "bibtex", 1),))
    csl_out, ris_out = io.StringIO(), io.StringIO()
    export.to_csl_json([(paper, PaperState())], csl_out)
    export.to_ris([(paper, PaperState())], ris_out)
    (from_csl,) = csljson.parse(io.StringIO(csl_out.getvalue()), "x.json")
    (from_ris,) = ris.parse(io.StringIO(ris_out.getvalue()), "x.ris")
    assert from_csl.doi == from_ris.doi == doi.lower()

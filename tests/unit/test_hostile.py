"""Hostile input: odd files to import, and paper text written to attack a terminal.

Imports: every bad file gets its own clear problem, the good records of the
same run are kept and counted, and a run with nothing good changes nothing
stored. Content: escape sequences, control characters, Rich/Textual markup,
bidi controls and 10,000-character words reach the CLI and the app as inert
text. Property tests feed arbitrary text to every parser, the query parser and
the store's readers: each returns results or raises its one documented error.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers.paths import CORPORA, DATA
from helpers.pilot import settle
from reader import export, ingest
from reader.cli import main
from reader.library import Library
from reader.models import Paper, PaperState, Problem, Source, StatedPaper
from reader.store import DamagedFileError, Store
from reader.text import CleanedStream, inert, one_line

# --- hostile import ---------------------------------------------------------------------

HF_HEADER = "Get trending papers in your email inbox!\n"
MB = 1024 * 1024


def hf_item(arxiv_id: str, title: str, summary: str) -> dict:
    return {"paper": {"id": arxiv_id, "title": title, "summary": summary}, "title": title}


def bad_files(folder: Path) -> dict[str, Path]:
    """One file per kind of bad input; none holds a single usable record."""
    folder.mkdir()
    good_gz = gzip.compress((HF_HEADER + "A title\nAn abstract that ends properly.\n").encode() * 50)
    contents: dict[str, bytes] = {
        "binary.pdf": bytes(range(256)) * 64,
        "empty.txt": b"",
        "blank.txt": b"\n \n\t\n",
        "latin-1.txt": (HF_HEADER + "Caf\xe9 au lait: a study\nAn abstract.\n").encode("latin-1"),
        "nul-after-sniff.txt": (HF_HEADER + "x" * 70_000 + "\x00\n").encode(),
        "truncated.json": json.dumps([hf_item("2401.00001", "A paper", "Its abstract.")]).encode()[:40],
        "wrong-shape-object.json": b'{"papers": 3, "data": "none"}',
        "wrong-shape-items.json": b'[{"paper": 5, "id": "2401.00001"}, [1, 2], "text", null]',
        "wrong-shape-reader.json": b'{"format": "reader", "version": 1, "papers": [{"id": 5}, {"title": null}]}',
        "newer-reader.json": b'{"format": "reader", "version": 999, "papers": []}',
        "nested.json": b"[" * 100_000,
        "huge-number.json": b'[{"paper": {"id": "2401.00001", "title": "T", "upvotes": ' + b"9" * 5000 + b"}}]",
        "unbalanced.bib": b"@article{key,\n  title = {An {unbalanced title,\n  author = {Nobody},\n",
        "unbalanced-close.bib": b"@article{key, title = {Closes twice}}}, author = {X}\n@misc{",
        "broken.atom": b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2401.00001</id><title>T',
        "corrupt.gz": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(200, 256)) * 4,
        "truncated.gz": good_gz[: len(good_gz) // 2],
        "unknown.csv": b"title,abstract\nA,B\n",
    }
    paths = {}
    for name, data in contents.items():
        (folder / name).write_bytes(data)
        paths[name] = folder / name
    (folder / "dangling-link.txt").symlink_to(folder / "nowhere")
    paths["dangling-link.txt"] = folder / "dangling-link.txt"
    return paths


def seeded(home: Path) -> Library:
    """A home with papers and some state already stored."""
    library = Library.open(home, seed=False)
    library.import_paths([DATA / "000_c5e99e074c6bc0be.txt"])
    first = next(iter(library.papers))
    library.set_bookmarked(first)
    library.add_tags(first, ["keep"])
    return library


def stored(home: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(home.iterdir()) if p.is_file()}


def named(problems: list[Problem], path: Path) -> list[Problem]:
    return [p for p in problems if Path(p.file).name == path.name]


def test_each_bad_file_gets_its_own_problem_and_the_good_records_of_the_run_are_kept(tmp_path):
    home = tmp_path / "home"
    library = seeded(home)
    before = len(library)
    bad = bad_files(tmp_path / "bad")
    good = DATA / "001_1e2235affac03b04.txt"
    alone = Library.open(tmp_path / "scratch", seed=False)
    alone.import_paths([good])

    report = library.import_paths([tmp_path / "bad", good])

    for name, path in bad.items():
        assert named(report.problems, path), f"no problem reported for {name}"
    assert report.files == len(bad) + 1
    assert report.records == len(alone) > 0  # counted
    assert report.new > 0 and len(library) == before + report.new
    assert set(alone.papers) <= set(library.papers)
    assert Library.open(home, seed=False).papers == library.papers  # the good ones are on disk


def test_a_run_with_nothing_good_changes_nothing_stored(tmp_path):
    home = tmp_path / "home"
    library = seeded(home)
    papers, states = dict(library.papers), dict(library.states)
    before = stored(home)
    bad_files(tmp_path / "bad")

    report = library.import_paths([tmp_path / "bad", tmp_path / "missing.json"])

    assert report.records == 0 and len(report.problems) >= 20
    assert stored(home) == before  # same bytes, not even rewritten
    assert library.papers == papers and library.states == states


def test_the_cli_reports_each_bad_file_on_one_inert_line_and_fails(tmp_path, capsys):
    home = tmp_path / "home"
    seeded(home)
    bad = bad_files(tmp_path / "bad")
    (tmp_path / "bad" / "\x1b[31mred-name\x1b[0m.txt").write_bytes(b"\x00")  # a hostile file name too
    code = main(["--home", str(home), "import", str(tmp_path / "bad")])
    out, err = capsys.readouterr()
    assert code == 1 and out.strip() == "0 new, 0 merged, 0 unchanged"
    lines = err.splitlines()
    assert len(lines) >= len(bad) + 1 and all(line.startswith("problem: ") for line in lines)
    assert "Traceback" not in err
    assert_inert(err)


def test_a_folder_of_thousands_of_files_is_read_file_by_file(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(3000):
        kind = i % 5
        path = folder / f"f{i:04d}"
        if kind == 0:
            path.with_suffix(".txt").write_text("")
        elif kind == 1:
            path.with_suffix(".bin").write_bytes(bytes((i * 7 + j) % 256 for j in range(64)))
        elif kind == 2:
            path.with_suffix(".json").write_text('{"a": ')
        elif kind == 3:
            path.with_suffix(".txt").write_text(f"{HF_HEADER}Paper number {i} on hostile folders\nAn abstract that ends.\n")
        else:
            path.with_suffix(".bib").write_text(f"@article{{k{i}, title={{{{Unbalanced {i}}}")
    library = Library.open(tmp_path / "home", seed=False)
    report = library.import_paths([folder])
    assert report.files == 3000 and report.new == 600
    whole_file = [p for p in report.problems if p.position is None]
    assert len({p.file for p in whole_file}) == 1800
    assert len({p.file for p in report.problems}) == 2400  # every bad file, named
    assert len(Library.open(tmp_path / "home", seed=False)) == 600


BIG_LINE_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    from pathlib import Path
    from reader.library import Library
    library = Library.open(sys.argv[1], seed=False)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = library.import_paths([Path(p) for p in sys.argv[2:]])
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024
    print(grown, report.records, len(report.problems), len(library))
    for problem in report.problems:
        print(str(problem)[:200])
    """
)


def test_a_50_mb_line_is_refused_without_blowing_memory(tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    words = "word " * (10 * MB)  # 50 MB on one line
    files = [folder / "one-line.txt", folder / "one-line-page.txt", folder / "one-record.jsonl"]
    files[0].write_text("x" * (50 * MB))
    files[1].write_text(HF_HEADER + words)
    files[2].write_text(json.dumps(hf_item("2401.00001", "A title", words)) + "\n")
    home = tmp_path / "home"
    seeded(home)
    before = stored(home)
    done = subprocess.run(
        [sys.executable, "-c", BIG_LINE_SCRIPT, str(home), *map(str, files)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    first, *problems = done.stdout.splitlines()
    grown_mb, records, problem_count, _ = map(int, first.split())
    assert records == 0 and problem_count == len(files) == len(problems)
    for path, problem in zip(files, problems, strict=True):
        assert path.name in problem
    assert stored(home) == before
    # Three 50 MB lines, one after another: a copy or two of one is fine; a list of
    # ten million words (a str.split of the line) is not.
    assert grown_mb < 400, f"importing a 50 MB line grew memory by {grown_mb} MB"


def gzip_of(path: Path, head: bytes, repeated: bytes, times: int) -> Path:
    """`head` then `repeated` `times` over, as one gzip member each (gunzip reads them
    as one text), so the whole is never made here."""
    path.write_bytes(gzip.compress(head) + gzip.compress(repeated) * times)
    return path


def doubling_bib(path: Path, doublings: int) -> Path:
    """A few hundred bytes whose @string macros each double the one before."""
    lines = ['@string{m0 = "xxxxxxxx"}']
    lines += [f"@string{{m{n} = m{n - 1} # m{n - 1}}}" for n in range(1, doublings + 1)]
    lines.append(f"@article{{bomb, title = {{A bomb}}, abstract = m{doublings}}}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bombs_fail_fast_each_on_its_own_in_bounded_memory(tmp_path):
    folder = tmp_path / "bombs"
    folder.mkdir()
    bombs = {
        # a 1 MB file holding one 512 MB line
        gzip_of(folder / "one-line.txt.gz", HF_HEADER.encode(), b"x" * MB, 512): "unpacks to over 100 times its size",
        # blank lines: nothing to refuse, only to read through
        gzip_of(folder / "blank-page.txt.gz", (HF_HEADER + "A title\n").encode(), b"\n" * MB, 64): "unpacks to over",
        gzip_of(folder / "blank.bib.gz", b"@article{k, title={T}}\n", b"\n" * MB, 64): "unpacks to over",
        gzip_of(folder / "blank-in-entry.bib.gz", b"@article{k, title={T},\n", b"\n" * MB, 64): "unpacks to over",
        doubling_bib(folder / "doubling.bib", 25): "@string macros expand to over",
    }
    good = DATA / "001_1e2235affac03b04.txt"
    home = tmp_path / "home"
    Library.open(home, seed=False)
    done = subprocess.run(
        [sys.executable, "-c", BIG_LINE_SCRIPT, str(home), *map(str, bombs), str(good)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    first, *problems = done.stdout.splitlines()
    grown_mb, records, _, papers = map(int, first.split())
    for path, reason in bombs.items():
        said = [p for p in problems if p.startswith(f"{path}: ")]  # the whole file, named once
        assert len(said) == 1 and reason in said[0], (path.name, problems)
    assert records == papers > 0  # the good file of the same run imported
    assert grown_mb < 300, f"the bombs grew memory by {grown_mb} MB"


def test_a_long_macro_used_in_every_entry_stops_the_file():
    """No macro doubles here, but each use copies 100,000 characters."""
    text = '@string{long = "' + "word " * 20_000 + '"}\n'
    text += "".join(f"@article{{k{n}, title = {{Paper {n}}}, abstract = long}}\n" for n in range(1000))
    with pytest.raises(ingest.IngestError, match="@string macros expand to over"):
        list(ingest.bibtex.parse(io.StringIO(text), "long.bib"))


def test_a_compressed_file_past_the_absolute_limit_stops_with_its_good_records_kept(tmp_path, monkeypatch):
    items = [json.dumps(hf_item(f"2401.{n:05d}", f"Paper number {n}", f"Abstract {n} " * 20)) for n in range(3000)]
    path = tmp_path / "many.jsonl.gz"
    path.write_bytes(gzip.compress("\n".join(items).encode()))
    monkeypatch.setattr(ingest, "MAX_UNPACKED", 500_000)  # the real limit is 16 GiB
    records = []
    with pytest.raises(ingest.IngestError, match=r"many.jsonl.gz: unpacks to more than 500,000 bytes"):
        for record in ingest.read_file(path):
            records.append(record)
    assert 500 < len(records) < 3000 and all(isinstance(r, Paper) for r in records)


def test_a_real_compressed_dump_past_the_point_growth_is_judged_reads_whole():
    path = CORPORA / "hf-daily-papers" / "hf_daily_papers_all.jsonl.gz"
    with gzip.open(path) as whole:
        assert whole.seek(0, io.SEEK_END) > ingest.GROWTH_JUDGED_FROM
    with gzip.open(path, "rt") as whole:
        lines = sum(1 for line in whole if line.strip())
    assert sum(1 for _ in ingest.read_file(path)) == lines


def test_good_records_before_the_damage_in_a_file_are_kept(tmp_path):
    folder = tmp_path / "partial"
    folder.mkdir()
    items = [hf_item(f"2401.0000{n}", f"Partial paper {n}", "An abstract.") for n in range(1, 4)]
    text = json.dumps(items)
    (folder / "cut.json").write_text(text[: text.rindex("Partial paper 3")])
    (folder / "mixed.bib").write_text(
        "@article{good1, title={A good entry}, abstract={Fine.}}\n"
        "@article{bad, title={An {unbalanced entry}, abstract={Never closes.}\n"
    )
    library = Library.open(tmp_path / "home", seed=False)
    report = library.import_paths([folder])
    assert report.new >= 3  # two from the cut JSON, at least one from the BibTeX
    assert named(report.problems, folder / "cut.json") and named(report.problems, folder / "mixed.bib")
    titles = {p.title for p in library.papers.values()}
    assert {"Partial paper 1", "Partial paper 2", "A good entry"} <= titles


# --- hostile content ----------------------------------------------------------------------

ESCAPES = "\x1b[5;31;42mBLINK\x1b[0m \x1b]8;;https://evil.example/osc8\x1b\\osc8\x1b]8;;\x1b\\ \x1b]52;c;ZXZpbA==\x07 \x9b5;31m"
CONTROLS = "bell\x07 back\x08\x08space cr\rreturn nul\x00 del\x7f vt\x0b ff\x0c"
MARKUP = "[bold red]RED[/] [/] [link=https://evil.example/markup]clicky[/link] [@click=app.quit]quit[/]"
BIDI = "\u202eevil\u202c \u200fRLM\u200e \u2067isolate\u2069 \u061calm"
LONG = "W" * 10_000
HOSTILE_TAGS = ["[bold red]x", "[/]", "[link=https://evil.example/tag]t[/link]", "\x1b[31mtag", "\u202erev"]

UNSAFE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def assert_inert(text: str) -> None:
    found = UNSAFE.search(text)
    assert found is None, f"{found.group()!r} reaches the terminal at {text[max(0, found.start() - 30) : found.end() + 30]!r}"


def hostile_export(folder: Path) -> Path:
    """A reader export: it carries any text faithfully, state (tags, note) included."""
    papers = [
        {
            "id": "title:hostile00001",
            "title": f"Hostile {ESCAPES} {MARKUP} {BIDI}",
            "abstract": f"{CONTROLS} {MARKUP} {ESCAPES} {BIDI} {LONG} end",
            "authors": [f"Eve {ESCAPES}", "[bold]Mallory[/bold]"],
            "links": ["https://example.org/\x1b[31mlink"],
            "sources": [{"file": "\x1b[31mevil.txt", "format": "hf-page", "position": 1, "date": None}],
            "state": {"tags": HOSTILE_TAGS, "note": f"{MARKUP} {ESCAPES}", "bookmarked": True},
        },
        {"id": "title:hostile00002", "title": f"{LONG} long word", "abstract": LONG, "sources": []},
        {"id": "title:hostile00003", "title": "Lone \ud800 surrogate \udc80", "abstract": "\udfff", "sources": []},
    ]
    path = folder / "hostile.json"
    path.write_text(json.dumps({"format": "reader", "version": 1, "papers": papers}))
    return path


@pytest.fixture
def hostile_home(tmp_path) -> Path:
    home = tmp_path / "home"
    report = Library.open(home, seed=False).import_paths([hostile_export(tmp_path)])
    assert report.new == 3, report.problems
    return home


def test_the_cli_prints_hostile_text_inert_and_markup_literally(hostile_home, capsys):
    assert main(["--home", str(hostile_home), "search", "--limit", "0"]) == 0
    out, err = capsys.readouterr()
    assert_inert(out + err)
    assert "[bold red]RED[/] [/] [link=https://evil.example/markup]clicky[/link]" in out
    assert LONG in out and len(out.splitlines()) == 3

    assert main(["--home", str(hostile_home), "search", "--json", "--limit", "0"]) == 0
    out, _ = capsys.readouterr()
    assert_inert(out)
    titles = {json.loads(line)["title"] for line in out.splitlines()}
    assert f"Hostile {ESCAPES} {MARKUP} {BIDI}" in titles  # the data is intact, only escaped

    assert main(["--home", str(hostile_home), "tag", "title:hostile00001", "[/]more"]) == 0
    out, _ = capsys.readouterr()
    assert_inert(out)
    assert "[/]more" in out


class Terminal(io.StringIO):
    """Standard output as a person's terminal: what is written to it, it acts on."""

    def isatty(self) -> bool:
        return True


HOSTILE_TITLE = f"Hostile {ESCAPES} {MARKUP} {BIDI}"


@pytest.mark.parametrize("format", ["markdown", "bibtex", "csv", "json"])
def test_export_to_a_terminal_is_inert_and_keeps_the_text(hostile_home, monkeypatch, format):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["--home", str(hostile_home), "export", "--format", format]) == 0
    out = terminal.getvalue()
    assert_inert(out.replace("\n", ""))
    assert "BLINK" in out and "evil" in out and LONG in out
    if format == "json":  # still JSON, with the data intact: only escaped
        titles = [paper["title"] for paper in json.loads(out)["papers"]]
        assert HOSTILE_TITLE in titles and "Lone \ud800 surrogate \udc80" in titles


@pytest.mark.parametrize("format", ["markdown", "bibtex", "csv"])
def test_export_to_a_pipe_keeps_the_text_as_it_is(hostile_home, capsys, format):
    assert main(["--home", str(hostile_home), "export", "--format", format]) == 0
    out, _ = capsys.readouterr()
    assert all(raw in out for raw in ("\x1b", "\x07", "\x9b", "\u202e"))  # what the listing holds, for whoever reads it
    assert "Lone \ufffd surrogate \ufffd" in out  # a lone surrogate is not text: UTF-8 cannot carry it


def test_a_json_export_file_escapes_what_a_terminal_would_act_on_and_reads_back_intact(hostile_home, tmp_path, capsys):
    out = tmp_path / "hostile-again.json"
    assert main(["--home", str(hostile_home), "export", "-o", str(out)]) == 0
    assert_inert(out.read_text().replace("\n", ""))  # `cat` of the file is safe too
    fresh = Library.open(tmp_path / "fresh", seed=False)
    fresh.import_paths([out])
    assert Library.open(hostile_home).papers == fresh.papers


def test_inert_text_keeps_every_visible_character():
    assert inert(MARKUP) == MARKUP
    assert one_line(f"a\tb\nc {LONG}") == f"a b c {LONG}"
    assert inert("\x1b[31mred") == "[31mred"
    assert inert("x\u2028y") == "x\ny"


def screen_output(app) -> tuple[str, str]:
    """(what the terminal would be sent, the visible text) for the whole screen."""
    from rich.console import Console

    update = app.screen._compositor.render_full_update()
    sent = update.render_segments(app.console)
    console = Console(file=io.StringIO(), width=app.size.width, height=app.size.height, force_terminal=True, record=True)
    console.print(update)
    return sent, console.export_text()


def assert_screen_is_inert(app) -> str:
    sent, visible = screen_output(app)
    for payload in ("\x1b[5;31;42m", "\x1b]52;", "\x9b", "\u202e", "\u2067", "\u200f", "\x07", "\x08", "\x00", "\r"):
        assert payload not in sent, f"{payload!r} reached the terminal"
    assert not re.search(r"\x1b\]8;[^\x1b]*evil\.example", sent), "a hostile link became a real one"
    assert_inert(visible)
    return visible


@pytest.mark.pilot
async def test_the_app_shows_hostile_text_inert_and_markup_literally(hostile_home):
    from reader.app import ReaderApp
    from reader.widgets.paper_list import PaperList

    app = ReaderApp(home=hostile_home)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert app.screen.library is not None and len(app.screen.library) == 3
        papers = app.screen.query_one(PaperList)
        for paper_id in ("title:hostile00001", "title:hostile00002", "title:hostile00003"):
            assert papers.move_to(paper_id)
            await settle(pilot)
            visible = assert_screen_is_inert(app)
            body = str(app.screen.query_one("#abstract-body").render())
            assert_inert(body)
            if paper_id == "title:hostile00001":
                assert "[bold red]RED[/] [/] [link=https://evil.example/markup]clicky[/link]" in body
                assert "[@click=app.quit]quit[/]" in body
                assert "[bold red]RED[/]" in visible  # in the list row too
                assert "#[/]" in visible  # the tag, in the views pane
        for paper_id in ("title:hostile00001", "title:hostile00003"):
            papers.move_to(paper_id)
            await pilot.press("t")  # the tag editor shows the hostile title and tags
            await settle(pilot)
            assert_screen_is_inert(app)
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("slash", *"[bold]", "enter")  # a markup-looking search
        await settle(pilot)
        assert_screen_is_inert(app)
        assert app.is_running


# --- property tests -------------------------------------------------------------------------

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces of every format, so generated text gets past sniffing and into the parsers.
TOKENS = [
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    '"',
    "\\",
    "\n",
    " ",
    "@article{",
    "@misc{",
    "title",
    "abstract",
    "author",
    "=",
    '"paper"',
    '"id"',
    '"title"',
    '"summary"',
    '"2401.00001"',
    '"format"',
    '"reader"',
    '"version"',
    "1",
    '"papers"',
    "<feed>",
    "<entry>",
    "</entry>",
    "<title>",
    "</title>",
    "<summary>",
    "<id>",
    "</id>",
    "</feed>",
    "Get trending papers in your email inbox!",
    "by AK and the research community",
    "Mar 14",
    '"\\udc80"',
    "\x00",
    "\x1b[31m",
    "é",
    "null",
    "true",
    "-",
    "9" * 20,
    "http://arxiv.org/abs/2401.00001",
    "Subscribe",
]
format_like = st.lists(st.sampled_from(TOKENS) | st.text(max_size=8), max_size=60).map("".join)
any_text = st.text(max_size=400) | format_like


@pytest.mark.parametrize("name", ingest.format_names())
@FAST
@given(text=any_text)
def test_every_parser_returns_records_or_raises_ingest_error(name, text):
    try:
        records = list(ingest.FORMATS[name].parse(io.StringIO(text), "fuzz.txt"))
    except ingest.IngestError:
        return
    for record in records:
        assert isinstance(record, Paper | StatedPaper | Problem)


@FAST
@given(data=st.binary(max_size=600) | format_like.map(lambda t: t.encode("utf-8", "surrogatepass")))
@example(data=b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(200, 256)))
@example(data=b'[{"paper": {"id": "2401.00001", "title": "T", "upvotes": ' + b"9" * 5000 + b"}}]")
def test_reading_any_file_returns_records_or_raises_ingest_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "input"
    path.write_bytes(data)
    try:
        for record in ingest.read_file(path):
            assert isinstance(record, Paper | StatedPaper | Problem)
    except ingest.IngestError:
        pass


@FAST
@given(
    text=st.text(max_size=200)
    | st.lists(st.sampled_from(['"', "-", "|", ":", "title:", "year:", "is:", "tag:", "x", " ", "..", ">="]), max_size=30).map(
        "".join
    )
)
def test_the_query_parser_returns_a_query_or_raises_query_error(text):
    from reader.query import QueryError, parse_query

    try:
        parse_query(text)
    except QueryError as error:
        assert str(error)


@FAST
@given(data=st.binary(max_size=300) | format_like.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_the_store_loads_any_file_or_says_it_is_damaged(tmp_path_factory, data):
    home = tmp_path_factory.mktemp("home")
    for name in ("state.json", "library.json"):
        (home / name).write_bytes(data)
    store = Store(home)
    for load in (store.load_states, store.load_papers):
        try:
            loaded = load()
        except DamagedFileError as error:
            assert str(home) in str(error)
        else:
            assert all(isinstance(x, PaperState | Paper) for x in (loaded.values() if isinstance(loaded, dict) else loaded))


@FAST
@given(text=st.text())
def test_inert_text_never_holds_a_control_character(text):
    assert_inert(inert(text).replace("\n", ""))
    assert "\n" not in one_line(text)
    assert inert(inert(text)) == inert(text)


@FAST
@given(title=st.text(st.characters(exclude_categories=())), note=st.text())
def test_any_export_to_a_terminal_holds_no_control_character(title, note):
    pair = (
        Paper(id="title:x", title=title, abstract=title, authors=(title,), links=(title,)),
        PaperState(tags=(title,), note=note),
    )
    for format, write in export.FORMATS.items():
        terminal = io.StringIO()
        write([pair], CleanedStream(terminal, inert))
        assert_inert(terminal.getvalue().replace("\n", ""))
        if format == "json":
            assert json.loads(terminal.getvalue())["papers"][0]["title"] == title


def test_round_trip_of_hostile_strings_through_the_store(tmp_path):
    store = Store(tmp_path)
    weird = Paper(id="title:x", title=f"{ESCAPES}\ud800{MARKUP}", abstract=CONTROLS, sources=(Source("\udc80", "f", 1),))
    store.save_papers([weird])
    assert Store(tmp_path).load_papers() == [weird]

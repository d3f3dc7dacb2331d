"""Two instances on one home: every change of each is kept, and each sees the other's soon.

The app polls `Library.reload_state_if_changed` and `reload_papers_if_changed`
every second; one poll after the other instance's change or import must show it.
Two imports at once keep both.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from helpers.pilot import settle
from reader import files
from reader.app import ReaderApp
from reader.cli import main
from reader.files import StoreError
from reader.library import Library
from reader.models import Paper, Source
from reader.screens.messages import PapersReloaded
from reader.store import Store
from reader.widgets.paper_list import PaperList

HELPER = Path(__file__).parents[1] / "helpers" / "concurrent_child.py"
EACH = 500


def start(home: Path, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(HELPER), str(home), name, str(EACH)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def expect(process: subprocess.Popen, word: str) -> str:
    line = process.stdout.readline()
    if not line.startswith(word):
        process.kill()
        raise AssertionError(f"expected {word!r}, got {line!r}: {process.stderr.read()}")
    return line


def send(process: subprocess.Popen, line: str) -> None:
    process.stdin.write(line + "\n")
    process.stdin.flush()


def test_two_processes_make_500_changes_each_at_once_and_all_1000_are_kept(tmp_path):
    home = tmp_path / "home"
    writers = {name: start(home, name) for name in ("left", "right")}
    try:
        for writer in writers.values():
            expect(writer, "ready")
        for writer in writers.values():  # both are open and idle: now race
            send(writer, "go")
        for writer in writers.values():
            expect(writer, "done")
        seen = {}
        for name, writer in writers.items():
            send(writer, "check")
            seen[name] = expect(writer, "seen").split()[1:]
            assert writer.wait(timeout=30) == 0, writer.stderr.read()
    finally:
        for writer in writers.values():
            if writer.poll() is None:
                writer.kill()

    states = Store(home).load_states()
    kept = 0
    for name in writers:
        for i in range(EACH):
            if i % 3:
                assert f"{name}-{i}" in states[f"p{i % 10}"].tags, f"{name}'s tag {i} lost"
            else:
                assert states[f"{name}-b{i}"].bookmarked, f"{name}'s bookmark {i} lost"
            kept += 1
    assert kept == 2 * EACH
    tags = sum(1 for i in range(EACH) if i % 3) * 2
    # After one poll, each instance's view holds all 1,000 changes, its own and the other's.
    assert seen == {name: [str(tags), str(2 * EACH - tags)] for name in writers}
    interleaved = [t.split("-")[0] for t in states["p1"].tags]
    switches = sum(a != b for a, b in zip(interleaved, interleaved[1:], strict=False))
    print(f"\nconcurrency: {kept} of {2 * EACH} changes kept; the writers took turns {switches} times on paper p1")


def small_library(home: Path, count: int = 3) -> list[str]:
    papers = [
        Paper(id=f"title:{n:012d}", title=f"Paper {n}", abstract="", sources=(Source("f", "hf-page", n),)) for n in range(count)
    ]
    Store(home).save_papers(papers)
    return [p.id for p in papers]


def test_the_app_and_the_cli_change_state_at_the_same_time(tmp_path):
    home = tmp_path / "home"
    first, second = small_library(home, 2)
    cli = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                from reader.cli import main
                for i in range(200):
                    assert main(["--home", {str(home)!r}, "tag", {first!r}, f"cli-{{i}}"]) == 0
                """
            ),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    app = Library.open(home, seed=False)  # what the app holds
    for i in range(200):
        app.add_tags(first, [f"app-{i}"])
        app.set_read(second, i % 2 == 0)
    assert cli.wait(timeout=60) == 0, cli.stderr.read()

    assert app.reload_state_if_changed()
    tags = set(app.state_of(first).tags)
    assert tags == {f"app-{i}" for i in range(200)} | {f"cli-{i}" for i in range(200)}
    assert Store(home).load_states()[first].tags == app.state_of(first).tags


def test_one_poll_shows_the_other_instances_change(tmp_path):
    home = tmp_path / "home"
    paper_id, _ = small_library(home, 2)
    one, other = Library.open(home, seed=False), Library.open(home, seed=False)
    assert not other.reload_state_if_changed()
    one.set_bookmarked(paper_id)
    one.set_note(paper_id, "from the first instance")
    assert other.reload_state_if_changed()
    assert other.state_of(paper_id).bookmarked
    assert other.state_of(paper_id).note == "from the first instance"
    assert not other.reload_state_if_changed()
    assert not one.reload_state_if_changed()  # its own change is not news to it


def test_a_change_made_from_a_stale_view_does_not_hide_the_others_change(tmp_path):
    home = tmp_path / "home"
    first, second = small_library(home, 2)
    one, other = Library.open(home, seed=False), Library.open(home, seed=False)
    one.set_bookmarked(first)
    other.add_tags(second, ["mine"])  # before its next poll: its view of `first` is stale
    assert other.state_of(second).tags == ("mine",)
    assert other.reload_state_if_changed(), "the other instance's bookmark must still arrive"
    assert other.state_of(first).bookmarked and other.state_of(second).tags == ("mine",)
    assert one.reload_state_if_changed() and one.state_of(second).tags == ("mine",)


def test_a_rewrite_with_the_same_inode_size_and_mtime_is_still_noticed(tmp_path):
    """stat() cannot tell these versions apart (coarse mtimes, reused inodes); the content can."""
    home = tmp_path / "home"
    first, second = small_library(home, 2)
    library = Library.open(home, seed=False)
    library.set_read(first)
    path = home / "state.json"
    before = path.stat()
    raw = path.read_bytes()
    with open(path, "r+b") as handle:  # in place: same inode, same size
        handle.write(raw.replace(first.encode(), second.encode()))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    assert library.reload_state_if_changed()
    assert library.state_of(second).read and not library.state_of(first).read


# --- a lock held by a stopped process ---------------------------------------------------

HOLD_AND_STOP = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from reader.files import home_lock
    with home_lock(Path(sys.argv[1])):
        print("held", flush=True)
        os.kill(os.getpid(), signal.SIGSTOP)  # as Ctrl+Z does
    """
)


@pytest.fixture
def stopped_holder(tmp_path, monkeypatch):
    """A home whose lock a stopped process holds; writers wait one second, not thirty."""
    home = tmp_path / "home"
    ids = small_library(home, 2)
    monkeypatch.setattr(files, "LOCK_WAIT", 1.0)
    child = subprocess.Popen([sys.executable, "-c", HOLD_AND_STOP, str(home)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "held\n"
        yield home, ids, child.pid
    finally:
        child.kill()  # a stopped process dies of SIGKILL too
        child.wait()


def assert_gave_up_naming(error: str, home: Path, pid: int) -> None:
    assert error.startswith(f"another reader (pid {pid}: reader ") and f"has held {home / '.lock'} for 1 s" in error
    assert "nothing was changed" in error and "stopped (Ctrl+Z), resume it (fg) or end it" in error


def test_a_writer_says_who_holds_the_lock_then_gives_up_with_nothing_changed(stopped_holder):
    home, (paper_id, _), pid = stopped_holder
    library = Library.open(home, seed=False)
    before = Store(home).load_states()
    told: list[str] = []
    files.tell_lock_waits(told.append)
    try:
        with pytest.raises(StoreError) as caught:
            library.set_bookmarked(paper_id)
    finally:
        files.tell_lock_waits(None)
    assert len(told) == 1 and told[0].startswith(f"waiting for another reader (pid {pid}: reader ")
    assert told[0].endswith(f"which holds {home / '.lock'}…")
    assert_gave_up_naming(str(caught.value), home, pid)
    assert Store(home).load_states() == before and library.states == before


def test_the_cli_says_it_waits_then_fails_clearly(stopped_holder, capsys):
    home, (paper_id, _), pid = stopped_holder
    before = Store(home).load_states()
    code = main(["--home", str(home), "bookmark", paper_id])
    err = capsys.readouterr().err.splitlines()
    assert code == 1 and len(err) == 2
    assert err[0].startswith(f"reader: waiting for another reader (pid {pid}: reader ")
    assert err[1].startswith("reader: ") and "Traceback" not in "".join(err)
    assert_gave_up_naming(err[1].removeprefix("reader: "), home, pid)
    assert Store(home).load_states() == before


@pytest.mark.pilot
async def test_the_app_shows_the_wait_in_its_status_line_then_says_not_saved(stopped_holder):
    home, _, pid = stopped_holder
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = dict(app.screen.library.states)
        status = app.screen.query_one("#status")
        await pilot.press("b")
        for _ in range(400):  # until the write has waited long enough to say so
            if "waiting for another reader" in str(status.render()):
                break
            await pilot.pause(0.01)
        assert str(status.render()).startswith(f"waiting for another reader (pid {pid}: reader ")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "NOT SAVED" in str(status.render())
        assert app.screen.library.states == before


# -- imports ------------------------------------------------------------------------------


def listing(path: Path, name: str, count: int, first: int = 0, day: str = "2026-01-15") -> Path:
    """`count` distinct papers (arXiv ids 2601.<first>...) as Hugging Face daily-papers JSON lines."""
    with open(path, "w", encoding="utf-8") as out:
        for n in range(first, first + count):
            paper = {
                "id": f"2601.{n:05d}",
                "title": f"The {name} paper number {n}",
                "summary": f"What the {name} study {n} found about concurrent imports.",
                "authors": [{"name": "Ada Lovelace"}],
                "publishedAt": f"{day}T00:00:00.000Z",
            }
            out.write(json.dumps({"paper": paper}) + "\n")
    return path


def ids_of(path: Path) -> set[str]:
    return {f"arxiv:{json.loads(line)['paper']['id']}" for line in path.read_text().splitlines()}


def test_two_imports_into_libraries_opened_before_either_keep_both(tmp_path):
    home = tmp_path / "home"
    small_library(home, 3)
    left, right = listing(tmp_path / "left.jsonl", "left", 300), listing(tmp_path / "right.jsonl", "right", 300, 300)
    one, other = Library.open(home, seed=False), Library.open(home, seed=False)
    other.search("")  # its search index is built: it must learn the first import too

    first = one.import_paths([left], index=True)
    second = other.import_paths([right], index=True)

    assert (first.new, second.new) == (300, 300)
    on_disk = {paper.id for paper in Store(home).load_papers()}
    assert len(on_disk) == 603 and ids_of(left) | ids_of(right) <= on_disk
    assert set(other.papers) == on_disk
    assert set(other.search("left", limit=None).ids) == ids_of(left)
    reopened = Library.open(home, seed=False)  # reads the index the import left in the home
    assert reopened.index.cache_hit
    assert set(reopened.search("left", limit=None).ids) == ids_of(left)
    assert set(reopened.search("right", limit=None).ids) == ids_of(right)


def test_an_import_beaten_to_the_same_papers_says_they_were_not_new(tmp_path):
    home = tmp_path / "home"
    small_library(home, 3)
    both = listing(tmp_path / "both.jsonl", "shared", 50)
    one, other = Library.open(home, seed=False), Library.open(home, seed=False)
    assert one.import_paths([both]).new == 50
    again = other.import_paths([both])
    assert (again.new, again.merged, again.unchanged) == (0, 0, 50)
    assert len(Store(home).load_papers()) == 53


IMPORTER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from reader.library import Library
    library = Library.open(sys.argv[1], seed=False)
    print("ready", flush=True)
    assert sys.stdin.readline().strip() == "go"
    report = library.import_paths([Path(sys.argv[2])], index=True)  # as `reader import` does
    print("done", report.summary(), flush=True)
    """
)


def test_two_processes_importing_at_once_keep_every_paper_of_both(tmp_path):
    home = tmp_path / "home"
    small_library(home, 3)
    files = [listing(tmp_path / "left.jsonl", "left", 2000), listing(tmp_path / "right.jsonl", "right", 2000, 2000)]
    importers = [
        subprocess.Popen(
            [sys.executable, "-c", IMPORTER, str(home), str(file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for file in files
    ]
    try:
        for importer in importers:
            expect(importer, "ready")
        for importer in importers:  # both have read the library: now race
            send(importer, "go")
        summaries = [expect(importer, "done").split(maxsplit=1)[1].strip() for importer in importers]
        for importer in importers:
            assert importer.wait(timeout=60) == 0, importer.stderr.read()
    finally:
        for importer in importers:
            if importer.poll() is None:
                importer.kill()

    assert summaries == ["2000 new, 0 merged, 0 unchanged"] * 2
    on_disk = {paper.id for paper in Store(home).load_papers()}
    assert len(on_disk) == 4003 and ids_of(files[0]) | ids_of(files[1]) <= on_disk
    reopened = Library.open(home, seed=False)  # the index the last import left is of all of them
    assert reopened.index.cache_hit
    assert set(reopened.search("left", limit=None).ids) == ids_of(files[0])
    assert set(reopened.search("right", limit=None).ids) == ids_of(files[1])


def test_one_poll_brings_the_other_instances_import(tmp_path):
    home = tmp_path / "home"
    small_library(home, 3)
    one, other = Library.open(home, seed=False), Library.open(home, seed=False)
    assert other.reload_papers_if_changed() is None
    news = listing(tmp_path / "news.jsonl", "news", 20)
    one.import_paths([news])
    assert one.reload_papers_if_changed() is None  # its own import is not news to it

    reload = other.reload_papers_if_changed()
    assert reload is not None and (reload.new, reload.gone) == (20, 0)
    assert len(other) == 3, "nothing changes before adopt"
    other.adopt(reload)
    assert set(other.papers) == set(one.papers)
    assert set(other.search("news", limit=None).ids) == ids_of(news)
    assert other.reload_papers_if_changed() is None


@pytest.mark.pilot
async def test_the_open_app_shows_another_readers_import_with_the_cursor_on_its_paper(tmp_path):
    home = tmp_path / "home"
    small_library(home, 5)
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        papers = app.screen.query_one(PaperList)
        await pilot.press("j", "j")
        on = papers.current
        assert on is not None and papers.cursor == 2

        # Newer than the five: listed above them, so the cursor's row must move.
        Library.open(home, seed=False).import_paths([listing(tmp_path / "news.jsonl", "news", 7, day="2026-02-01")])
        app.screen._check_other_instances()  # what the app does every second
        await settle(pilot)

        assert len(papers.ids) == 12
        assert papers.current == on and papers.cursor == 9
        assert "7 new papers from another reader" in str(app.screen.query_one("#status").render())


@pytest.mark.pilot
async def test_keys_work_while_another_readers_import_is_read(tmp_path, monkeypatch):
    home = tmp_path / "home"
    small_library(home, 5)
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        papers = app.screen.query_one(PaperList)
        Library.open(home, seed=False).import_paths([listing(tmp_path / "news.jsonl", "news", 7, day="2026-02-01")])
        reading, release = threading.Event(), threading.Event()
        read = app.screen.library.reload_papers_if_changed

        def slow_read():  # a large library: the read outlasts a few keys
            reading.set()
            release.wait(30)
            return read()

        monkeypatch.setattr(app.screen.library, "reload_papers_if_changed", slow_read)
        app.screen._check_other_instances()
        assert await asyncio.to_thread(reading.wait, 30)
        await pilot.press("j", "j")
        on = papers.current
        assert papers.cursor == 2 and len(papers.ids) == 5, "keys move the cursor while the read goes on"

        release.set()
        await settle(pilot)
        assert len(papers.ids) == 12 and papers.current == on


@pytest.mark.pilot
async def test_the_open_app_follows_a_library_that_lost_papers(tmp_path):
    """Another process put back a smaller library (an older backup): no row may show a paper that is gone."""
    home = tmp_path / "home"
    kept = small_library(home, 3)
    Library.open(home, seed=False).import_paths([listing(tmp_path / "news.jsonl", "news", 4)])
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        papers = app.screen.query_one(PaperList)
        assert len(papers.ids) == 7
        await pilot.press("G")
        on = papers.current

        small_library(home, 3)
        # The poll's two steps, by hand: the rows listed between the swap and the
        # new search's answer are drawn too, so they must all still exist.
        reload = app.screen.library.reload_papers_if_changed()
        app.screen.on_papers_reloaded(PapersReloaded(reload))
        assert set(papers.ids) == set(kept) and papers.current == on
        await settle(pilot)
        assert set(papers.ids) == set(kept) and papers.current == on

"""Damaged home files and a disk that refuses writes: a clear message, never a reset.

Recovery design (reader/store.py): a damaged file is left in place and never
written over, a timestamped copy is kept aside (`state.json.broken-<time>`, a
hard link), opening keeps failing with the same message until the person acts,
and `reader recover` puts the last good copy (`<name>.bak`) back, or with
`--empty` starts that file afresh when there is no good backup.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.pilot import abstract_text, list_lines, notices, settle, status
from reader.cli import main
from reader.files import StoreError
from reader.library import Library
from reader.models import Paper, Source
from reader.store import DamagedFileError, Store


def paper(n: int) -> Paper:
    return Paper(id=f"title:{n:012d}", title=f"Paper {n}", abstract="text", sources=(Source("f.txt", "hf-page", n),))


P0, P1, P2 = (paper(n).id for n in range(3))


def make_home(home: Path, backups: bool) -> None:
    """A library and a state; with `backups`, each file has been saved twice, so has a .bak."""
    store = Store(home)
    if backups:
        store.save_papers([paper(0), paper(1)])
    store.save_papers([paper(0), paper(1), paper(2)])
    library = Library.open(home, seed=False)
    library.set_bookmarked(P0)
    if backups:
        library.add_tags(P1, ["kept"])
    assert (home / "library.json.bak").exists() == backups
    assert (home / "state.json.bak").exists() == backups


GOOD = object()  # stands for "the good file, cut in half"

DAMAGE = {
    "empty": b"",
    "blank": b" \n\t\n",
    "truncated": GOOD,
    "not JSON": b"this is not JSON\n",
    "not UTF-8": b'{"state": {}, "x": {"1": {"t": "caf\xe9"}}}',
    "binary": bytes(range(256)) * 8,
    "a list": b"[1, 2, 3]",
    "a table that is a list": b'{"state": [1], "papers": [1]}',
    "nested too deeply": b"[" * 100_000,
    "a number too long": b'{"x": {"1": {"n": ' + b"1" * 5000 + b"}}}",
}
WRONG_RECORD = {
    "state.json": [
        b'{"state": {"1": {"id": 5}}}',
        b'{"state": {"1": {"id": "p", "tags": "abc"}}}',
        b'{"state": {"1": "ab"}}',  # a record that is not an object
    ],
    "library.json": [
        b'{"papers": {"1": {"id": "x", "title": 3}}}',
        b'{"papers": {"1": {"id": "x", "title": "t", "authors": "abc"}}}',
        b'{"papers": {"1": 5}}',
    ],
}
CASES = [(name, label, content) for name in ("state.json", "library.json") for label, content in DAMAGE.items()] + [
    (name, f"a wrong record {i}", content) for name, contents in WRONG_RECORD.items() for i, content in enumerate(contents)
]
BAD_INPUTS = len(CASES)


def damage(home: Path, name: str, content) -> bytes:
    path = home / name
    bad = path.read_bytes()[: path.stat().st_size // 2] if content is GOOD else content
    path.write_bytes(bad)
    return bad


def kept_copies(home: Path, name: str) -> list[Path]:
    return sorted(home.glob(f"{name}.broken-*"))


@pytest.mark.parametrize("backups", [True, False], ids=["with-backup", "no-backup"])
@pytest.mark.parametrize(("name", "label", "content"), CASES, ids=[f"{n}:{label}" for n, label, _ in CASES])
def test_a_damaged_file_is_named_kept_aside_and_never_reset(tmp_path, capsys, name, label, content, backups):
    home = tmp_path / "home"
    make_home(home, backups)
    bad = damage(home, name, content)

    with pytest.raises(DamagedFileError) as raised:
        Library.open(home)
    message = str(raised.value)
    assert str(home / name) in message and "damaged" in message
    assert "Nothing was reset" in message
    [kept] = kept_copies(home, name)
    assert kept.name.startswith(f"{name}.broken-20") and kept.read_bytes() == bad
    assert kept.name in message
    if backups:
        assert f"{name}.bak" in message and "recover" in message and "--empty" not in message
    else:
        assert "no backup" in message and "recover --empty" in message
    assert (home / name).read_bytes() == bad, "the damaged file is not reset or written over"

    # Opening again (the app, the CLI) fails the same way: no silent fresh start,
    # and no second copy of the same damage.
    code = main(["--home", str(home), "search"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.startswith("reader: ") and f"{home / name} is damaged" in err and "Traceback" not in err
    assert kept_copies(home, name) == [kept]
    assert (home / name).read_bytes() == bad


@pytest.mark.parametrize("name", ["state.json", "library.json"])
def test_recover_puts_the_last_good_copy_back(tmp_path, capsys, name):
    home = tmp_path / "home"
    make_home(home, backups=True)
    bad = damage(home, name, b"{trunc")

    assert main(["--home", str(home), "recover"]) == 0
    out, _ = capsys.readouterr()
    assert f"{name}: put back the last good copy ({name}.bak)" in out
    library = Library.open(home, seed=False)
    if name == "state.json":  # the backup is the state one change ago
        assert library.state_of(P0).bookmarked and library.state_of(P1).tags == ()
        assert len(library) == 3
    else:  # the library before the last import; the state is untouched
        assert len(library) == 2
        assert library.state_of(P1).tags == ("kept",)
    [kept] = kept_copies(home, name)
    assert kept.read_bytes() == bad
    library.set_read(P0)  # and it works again
    assert Library.open(home, seed=False).state_of(P0).read

    assert main(["--home", str(home), "recover"]) == 0
    assert "nothing to recover" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["state.json", "library.json"])
def test_with_no_good_backup_recover_asks_for_empty_and_then_starts_that_file_afresh(tmp_path, capsys, name):
    home = tmp_path / "home"
    make_home(home, backups=True)
    (home / f"{name}.bak").write_bytes(b"")  # the backup is damaged too
    bad = damage(home, name, b"")

    assert main(["--home", str(home), "recover"]) == 1
    _, err = capsys.readouterr()
    assert "no good backup" in err and "--empty" in err and "Traceback" not in err
    assert (home / name).read_bytes() == bad

    assert main(["--home", str(home), "recover", "--empty"]) == 0
    assert "the damaged one is kept as" in capsys.readouterr().out
    library = Library.open(home)
    if name == "state.json":
        assert library.states == {} and len(library) == 3
    else:  # the bundled listings come back; the person's state was never touched
        assert len(library) > 3 and library.state_of(P0).bookmarked and library.state_of(P1).tags == ("kept",)
    [kept] = kept_copies(home, name)
    assert kept.read_bytes() == bad


def test_damage_found_while_running_fails_the_change_and_keeps_the_file(tmp_path):
    home = tmp_path / "home"
    make_home(home, backups=True)
    library = Library.open(home, seed=False)
    before = dict(library.states)
    bad = damage(home, "state.json", b'{"state": {"1": {"id": ')
    with pytest.raises(StoreError, match="state.json is damaged"):
        library.set_read(P2)
    assert library.states == before and not library.state_of(P2).read
    assert (home / "state.json").read_bytes() == bad
    # The app polls every second: the damage is reported once, not every second.
    with pytest.raises(StoreError, match="state.json is damaged"):
        library.reload_state_if_changed()
    assert not library.reload_state_if_changed()


def test_the_backup_is_the_previous_version_and_costs_no_copy(tmp_path):
    home = tmp_path / "home"
    library = Library.open(home, seed=False)
    library.set_read(P0)
    previous = (home / "state.json").stat()
    library.set_read(P1)
    backup = (home / "state.json.bak").stat()
    assert (backup.st_dev, backup.st_ino) == (previous.st_dev, previous.st_ino)  # a hard link
    states = json.loads((home / "state.json.bak").read_text())["state"]
    assert [doc["id"] for doc in states.values()] == [P0]


def test_an_unreadable_file_is_not_called_damaged(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "state.json").mkdir()  # reading it fails, but nothing is wrong with any content
    with pytest.raises(StoreError, match="cannot be read") as raised:
        Library.open(home, seed=False)
    assert not isinstance(raised.value, DamagedFileError)
    assert not kept_copies(home, "state.json")


def test_a_tinydb_file_with_extra_tables_and_fields_keeps_them(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "state.json").write_text(
        json.dumps({"state": {"7": {"id": P0, "read": True, "later": 1}}, "searches": {"1": {"q": "rl"}}})
    )
    library = Library.open(home, seed=False)
    library.add_tags(P0, ["x"])
    data = json.loads((home / "state.json").read_text())
    assert data["searches"] == {"1": {"q": "rl"}}
    assert data["state"]["7"]["later"] == 1 and data["state"]["7"]["tags"] == ["x"]


# --- no room: a full disk, a read-only home ---------------------------------------------


def failing(error: int):
    def fail(*args, **kwargs):
        raise OSError(error, os.strerror(error))

    return fail


def read_only(monkeypatch, home: Path) -> None:
    """A read-only file system under `home` (chmod does not stop root, so simulate it)."""
    inside = lambda path: str(path).startswith(str(home))  # noqa: E731
    real_open = os.open

    def open_(path, flags, *args, **kwargs):
        if inside(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    def refuse(real):
        def call(src, *args, **kwargs):
            if inside(src):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(src))
            return real(src, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "open", open_)
    for name in ("replace", "rename", "link", "unlink"):
        monkeypatch.setattr(os, name, refuse(getattr(os, name)))


def no_temp_files(home: Path) -> bool:
    return not list(home.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("call", "error", "said"),
    [
        ("write", errno.ENOSPC, "disk is full"),
        ("fsync", errno.ENOSPC, "disk is full"),
        ("fsync", errno.EDQUOT, "quota"),
        ("replace", errno.EIO, "try again"),
    ],
)
def test_a_full_disk_fails_the_change_clearly_and_nothing_claims_it_was_saved(tmp_path, monkeypatch, call, error, said):
    home = tmp_path / "home"
    make_home(home, backups=True)
    library = Library.open(home, seed=False)
    before = (home / "state.json").read_bytes()
    with monkeypatch.context() as patched:
        patched.setattr(os, call, failing(error))
        with pytest.raises(StoreError) as raised:
            library.set_bookmarked(P2)
    message = str(raised.value)
    assert str(home / "state.json") in message and "not saved" in message and said in message
    assert not library.state_of(P2).bookmarked
    assert (home / "state.json").read_bytes() == before and no_temp_files(home)
    library.set_bookmarked(P2)  # room again: the same change goes through
    assert Library.open(home, seed=False).state_of(P2).bookmarked


def test_a_full_disk_during_import_keeps_the_library_and_memory_as_they_were(tmp_path, monkeypatch):
    from helpers.paths import DATA

    home = tmp_path / "home"
    make_home(home, backups=True)
    library = Library.open(home, seed=False)
    before = (home / "library.json").read_bytes()
    with monkeypatch.context() as patched:
        patched.setattr(os, "fsync", failing(errno.ENOSPC))
        with pytest.raises(StoreError, match="not saved.*disk is full"):
            library.import_paths([DATA])
    assert len(library) == 3 and set(library.papers) == {P0, P1, P2}
    assert (home / "library.json").read_bytes() == before and no_temp_files(home)


def test_a_file_size_limit_in_a_real_process_fails_the_cli_change_clearly(tmp_path):
    """The kernel refuses the write (RLIMIT_FSIZE: EFBIG), as a full disk would."""
    home = tmp_path / "home"
    make_home(home, backups=True)
    before = (home / "state.json").read_bytes()
    limit = len(before)  # the new state is longer than the old: it cannot be written

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "reader.cli", "--home", str(home), "tag", P2, "a-long-tag-that-makes-the-file-grow"],
        preexec_fn=limited,
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONDONTWRITEBYTECODE": "1"},
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"reader: {home / 'state.json'}: not saved (File too large)")
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert (home / "state.json").read_bytes() == before and no_temp_files(home)


@pytest.mark.parametrize("how", ["simulated", "chmod"])
def test_a_read_only_home_still_opens_and_refuses_changes_clearly(tmp_path, monkeypatch, capsys, how):
    home = tmp_path / "home"
    make_home(home, backups=True)
    before = {p.name: p.read_bytes() for p in home.iterdir() if p.is_file()}
    if how == "chmod":
        if os.geteuid() == 0:
            pytest.skip("root writes through chmod; the simulated case covers it")
        home.chmod(0o555)
    else:
        read_only(monkeypatch, home)
    try:
        library = Library.open(home, seed=False)  # reading works
        assert library.state_of(P0).bookmarked
        with pytest.raises(StoreError, match="not saved") as raised:
            library.set_read(P0)
        assert "read-only" in str(raised.value) or "not writable" in str(raised.value)
        assert not library.state_of(P0).read
        assert main(["--home", str(home), "read", P0]) == 1
        _, err = capsys.readouterr()
        assert "not saved" in err and "Traceback" not in err
        assert main(["--home", str(home), "search"]) == 0
    finally:
        if how == "chmod":
            home.chmod(0o755)
    assert {p.name: p.read_bytes() for p in home.iterdir() if p.is_file()} == before


# --- the app: a failed save or a damaged file is said, and the app keeps running -------------


@pytest.mark.pilot
async def test_the_app_shows_a_failed_save_as_not_saved_and_keeps_running(tmp_path, monkeypatch):
    from reader.app import ReaderApp
    from reader.widgets.paper_list import PaperList

    home = tmp_path / "home"
    make_home(home, backups=True)
    before = (home / "state.json").read_bytes()
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(PaperList).move_to(P2)
        await settle(pilot)
        with monkeypatch.context() as patched:
            patched.setattr(os, "fsync", failing(errno.ENOSPC))
            await pilot.press("b")
            await settle(pilot)
        assert "NOT SAVED" in status(app)
        assert "Not saved" in notices(app) and "disk is full" in notices(app)
        assert not app.screen.library.state_of(P2).bookmarked  # not shown as saved
        assert "bookmarked" not in str(app.screen.query_one("#abstract-body").render())
        assert (home / "state.json").read_bytes() == before

        await pilot.press("b")  # room again: the app is still working
        await settle(pilot)
        assert app.screen.library.state_of(P2).bookmarked and "saved: bookmarked" in status(app)
        assert app.is_running
    assert Library.open(home, seed=False).state_of(P2).bookmarked


@pytest.mark.pilot
async def test_the_app_names_a_damaged_file_and_the_way_out_and_keeps_running(tmp_path):
    from reader.app import ReaderApp
    from reader.screens.loading import LoadingScreen

    home = tmp_path / "home"
    make_home(home, backups=True)
    bad = damage(home, "state.json", b'{"state": {"1": ')
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "Could not open the library" in status(app)
        assert "state.json is damaged" in status(app) and "recover" in status(app)
        assert "state.json is damaged" in notices(app)
        await pilot.press("b", "j", "slash", "x")  # nothing to act on, but no crash
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, LoadingScreen)  # no library
    assert (home / "state.json").read_bytes() == bad


async def test_until_a_library_is_open_the_footer_has_its_keys_and_they_say_so(tmp_path):
    from reader.actions import ACTIONS, TEXTUAL
    from reader.app import ReaderApp

    home = tmp_path / "home"
    make_home(home, backups=True)
    damage(home, "state.json", b'{"state": {"1": ')
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        shown = [(b.binding.key, b.binding.description) for b in app.screen.active_bindings.values() if b.binding.show]
        assert shown == [(a.keys, a.label) for a in ACTIONS if a.footer and a.on != TEXTUAL]  # as once it is open
        await pilot.press("b")
        assert "Still loading the library" in notices(app)


# --- saved searches: damaged is kept aside and recoverable, never taken for none -----------

SEARCHES_DAMAGE = {
    "empty": b"",
    "truncated": b'{"to read": "is:unr',
    "not JSON": b"this is not JSON\n",
    "not UTF-8": b'{"caf\xe9": "x"}',
    "a list": b'["is:unread"]',
    "a query that is not text": b'{"to read": 3}',
}


def save_two_searches(home: Path) -> Library:
    """Two saves: searches.json holds both, searches.json.bak the first."""
    make_home(home, backups=False)
    library = Library.open(home, seed=False)
    library.save_search("first", "is:unread")
    library.save_search("second", "tag:ml")
    return library


@pytest.mark.parametrize("content", SEARCHES_DAMAGE.values(), ids=SEARCHES_DAMAGE.keys())
def test_damaged_saved_searches_are_named_kept_aside_and_never_written_over(tmp_path, content):
    home = tmp_path / "home"
    library = save_two_searches(home)
    (home / "searches.json").write_bytes(content)

    with pytest.raises(DamagedFileError) as raised:
        library.saved_searches()
    message = str(raised.value)
    assert f"{home / 'searches.json'} is damaged" in message and "searches.json.bak" in message and "recover" in message
    [kept] = kept_copies(home, "searches.json")
    assert kept.read_bytes() == content and kept.name in message
    with pytest.raises(DamagedFileError):
        library.save_search("third", "is:bookmarked")
    with pytest.raises(DamagedFileError):
        library.delete_search("first")
    assert (home / "searches.json").read_bytes() == content


def test_recover_puts_back_the_last_good_saved_searches(tmp_path, capsys):
    home = tmp_path / "home"
    save_two_searches(home)
    (home / "searches.json").write_bytes(b"{trunc")

    assert main(["--home", str(home), "recover"]) == 0
    assert "searches.json: put back the last good copy (searches.json.bak)" in capsys.readouterr().out
    assert Library.open(home, seed=False).saved_searches() == {"first": "is:unread"}
    [kept] = kept_copies(home, "searches.json")
    assert kept.read_bytes() == b"{trunc"


def test_damaged_saved_searches_with_no_backup_start_empty_only_when_asked(tmp_path, capsys):
    home = tmp_path / "home"
    make_home(home, backups=False)
    (home / "searches.json").write_bytes(b"[]")
    with pytest.raises(DamagedFileError, match="no saved searches, run: .*recover --empty"):
        Library.open(home, seed=False).saved_searches()

    assert main(["--home", str(home), "recover"]) == 1
    assert "searches.json is damaged" in capsys.readouterr().err
    assert (home / "searches.json").read_bytes() == b"[]"
    assert main(["--home", str(home), "recover", "--empty"]) == 0
    assert "searches.json: starts empty" in capsys.readouterr().out
    assert Library.open(home, seed=False).saved_searches() == {}


def test_unreadable_saved_searches_are_said_not_called_damaged(tmp_path):
    home = tmp_path / "home"
    make_home(home, backups=False)
    (home / "searches.json").mkdir()
    with pytest.raises(StoreError, match="searches.json: cannot be read") as raised:
        Library.open(home, seed=False).saved_searches()
    assert not isinstance(raised.value, DamagedFileError)


@pytest.mark.pilot
async def test_the_app_opens_with_damaged_saved_searches_and_names_them(tmp_path):
    from reader.app import ReaderApp

    home = tmp_path / "home"
    save_two_searches(home)
    (home / "searches.json").write_bytes(b"not JSON")
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.screen.library is not None and len(app.screen.library) == 3  # the papers are open
        assert "searches.json is damaged" in notices(app) and "recover" in notices(app)
    assert (home / "searches.json").read_bytes() == b"not JSON"


# --- a history that cannot be written: the change is saved, and said not undoable --------


def test_the_cli_saves_a_change_its_history_cannot_record_and_warns(tmp_path, capsys):
    home = tmp_path / "home"
    make_home(home, backups=False)
    (home / "history.jsonl").unlink()
    (home / "history.jsonl").mkdir()  # appending to it fails, as to a read-only file
    assert main(["--home", str(home), "read", P2]) == 0
    out, err = capsys.readouterr()
    assert "read" in out
    assert err.startswith("reader: warning: ") and str(home / "history.jsonl") in err and "cannot be undone" in err
    assert Library.open(home, seed=False).state_of(P2).read


@pytest.mark.pilot
async def test_the_app_saves_a_change_its_history_cannot_record_and_warns(tmp_path):
    from reader.app import ReaderApp
    from reader.widgets.paper_list import PaperList

    home = tmp_path / "home"
    make_home(home, backups=False)
    (home / "history.jsonl").unlink()
    (home / "history.jsonl").mkdir()  # appending to it fails, as to a read-only file
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(PaperList).move_to(P2)
        await pilot.press("b")
        await settle(pilot)
        assert "saved: bookmarked" in status(app)
        assert "history.jsonl" in notices(app) and "cannot be undone" in notices(app)
    assert Library.open(home, seed=False).state_of(P2).bookmarked


def _damage_every_record(home: Path, count: int) -> None:
    """Each of the paper file's `count` records damaged, in place: the running app has it mapped."""
    from reader import snapshot

    library_json, papers_file = home / "library.json", home / snapshot.PAPERS_FILE
    found = snapshot.read(papers_file, library_json, snapshot.identity(library_json))
    assert found is not None
    offsets, data = found._offsets, bytearray(papers_file.read_bytes())
    for record in range(count):
        data[len(data) - offsets[-1] + (offsets[record] + offsets[record + 1]) // 2] ^= 0x01
    with open(papers_file, "r+b") as stream:
        stream.write(data)


async def test_a_paper_record_damaged_with_library_json_is_named_and_the_list_keeps_drawing(tmp_path):
    """Found as the list draws: the rescue reads library.json again, damaged too."""
    from reader.app import ReaderApp

    home = tmp_path / "home"
    Store(home).save_papers([paper(n) for n in range(200)])
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        _damage_every_record(home, 200)
        library_json = home / "library.json"
        library_json.write_bytes(library_json.read_bytes()[:-30])
        await pilot.press("G")
        await settle(pilot)
        assert app.is_running
        assert "library.json is damaged" in notices(app) and "recover" in notices(app)


async def test_a_paper_record_found_damaged_as_the_list_draws_is_read_again_from_library_json_in_a_worker(tmp_path, monkeypatch):
    """The rescue reads library.json again (seconds at 100k papers): not on the thread
    that draws, which says what it waits for meanwhile and then shows the papers."""
    import threading

    from reader.app import ReaderApp

    home = tmp_path / "home"
    Store(home).save_papers([paper(n) for n in range(200)])
    reads_on_the_ui_thread: list[bool] = []
    held = threading.Event()
    read_library = Store.read_library

    def held_read(self, *args, **kwargs):
        on_ui = threading.current_thread() is threading.main_thread()
        reads_on_the_ui_thread.append(on_ui)
        if not on_ui:  # held until the status line is read (on the UI thread it would hang the app)
            held.wait(60)
        return read_library(self, *args, **kwargs)

    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        _damage_every_record(home, 200)
        monkeypatch.setattr(Store, "read_library", held_read)
        await pilot.press("G")
        await pilot.pause()
        assert "library.json" in status(app)
        held.set()
        await settle(pilot)
        assert reads_on_the_ui_thread == [False]
        assert app.is_running
        assert all("Paper" in line for line in list_lines(app) if line.strip())
        assert "Paper" in abstract_text(app)
        assert "rebuilt from library.json" in notices(app)

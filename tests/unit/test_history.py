"""Undo and redo of state changes: one step per action, kept across restarts."""

import json

from reader.library import Library, with_tags


def ids(library, n=3):
    return sorted(library.papers)[:n]


def test_undo_takes_back_the_last_change_and_redo_puts_it_back(tmp_path):
    library = Library.open(tmp_path)
    a, b, _ = ids(library)
    library.set_bookmarked(a)
    library.add_tags(b, ["ml"])
    assert library.undo().said == "tagged"
    assert library.state_of(b).tags == () and library.state_of(a).bookmarked
    assert library.undo().said == "bookmarked"
    assert not library.state_of(a).bookmarked
    assert library.undo() is None  # nothing more to undo
    library.redo()
    assert library.state_of(a).bookmarked and library.state_of(b).tags == ()
    library.redo()
    assert library.state_of(b).tags == ("ml",)
    assert library.redo() is None


def test_undo_survives_a_restart_and_sees_the_disk(tmp_path):
    library = Library.open(tmp_path)
    a, b, c = ids(library)
    library.change_many({p: with_tags(["batch"], ()) for p in (a, b, c)}, "tags +batch")
    library.set_read(a)

    reopened = Library.open(tmp_path)
    assert reopened.undo().said == "marked read"
    step = reopened.undo()
    assert step.said == "tags +batch" and set(step.before) == {a, b, c}  # one step for the bulk change
    again = Library.open(tmp_path)  # a third start sees both undone...
    assert all(again.state_of(p).tags == () for p in (a, b, c)) and not again.state_of(a).read
    assert again.redo().said == "tags +batch"  # ...and can redo them
    assert Library.open(tmp_path).state_of(c).tags == ("batch",)


def test_a_new_change_after_undo_clears_redo(tmp_path):
    library = Library.open(tmp_path)
    a, b, _ = ids(library)
    library.set_bookmarked(a)
    library.undo()
    library.set_read(b)
    assert library.redo() is None
    assert not library.state_of(a).bookmarked


def test_a_change_that_changes_nothing_is_not_a_step(tmp_path):
    library = Library.open(tmp_path)
    a, b, _ = ids(library)
    library.set_read(a)
    library.set_read(a)  # already read
    library.set_bookmarked(b, False)  # was not bookmarked
    library.undo()
    assert not library.state_of(a).read
    assert library.undo() is None


def test_rename_and_merge_tags_as_one_undoable_step(tmp_path):
    library = Library.open(tmp_path)
    a, b, c = ids(library)
    library.add_tags(a, ["toread", "ml"])
    library.add_tags(b, ["to-read"])
    library.add_tags(c, ["toread"])
    assert library.rename_tag("toread", "to-read") == 2  # a merge into an existing tag
    assert library.tag_counts() == {"to-read": 3, "ml": 1}
    assert library.state_of(a).tags == ("to-read", "ml")  # in place, order kept
    library.undo()
    assert library.tag_counts() == {"toread": 2, "to-read": 1, "ml": 1}


def test_a_torn_last_line_is_skipped(tmp_path):
    library = Library.open(tmp_path)
    a, b, _ = ids(library)
    library.set_bookmarked(a)
    library.set_bookmarked(b)
    path = tmp_path / "history.jsonl"
    text = path.read_text()
    path.write_text(text[: len(text) - 25])  # a crash cut the last line short
    reopened = Library.open(tmp_path)
    assert reopened.undo().said == "bookmarked"
    assert not reopened.state_of(a).bookmarked
    assert reopened.state_of(b).bookmarked  # its line was lost: that change stays


def test_a_long_history_is_compacted_on_undo_to_its_latest_steps(tmp_path, monkeypatch):
    from reader import history

    library = Library.open(tmp_path)
    paper = ids(library, 1)[0]
    for n in range(40):
        library.set_read(paper, n % 2 == 0)
    monkeypatch.setattr(history, "LIMIT", 5000)  # grown long, as a file from before the limit
    monkeypatch.setattr(history, "KEEP", 5)
    library.undo()  # undo reads the file, and compacts it
    lines = (tmp_path / "history.jsonl").read_text().splitlines()
    assert len(lines) == 5 + 1 + 1 and all(json.loads(line) for line in lines)  # 5 to undo, 1 to redo
    assert Library.open(tmp_path).redo() is not None
    Library.open(tmp_path).undo()
    for _ in range(5):
        assert Library.open(tmp_path).undo() is not None
    assert Library.open(tmp_path).undo() is None


def test_notes_and_triage_marks_are_searchable(tmp_path):
    from dataclasses import replace

    library = Library.open(tmp_path)
    a, b, c = ids(library)
    library.set_note(a, "Read again before the reading group.\nGood baseline.")
    library.change(b, lambda s: replace(s, read=True, dismissed=True), "dismissed")
    library.set_bookmarked(c)

    def found(query):
        return set(library.search(query).ids)

    assert found("note:baseline") == {a}
    assert found('note:"reading gr"') == {a}  # in order, the last word by prefix
    assert found("note:group before") == set()  # the words of a phrase in their order
    assert found("is:noted") == {a}
    assert found("is:dismissed") == {b}
    assert not found("is:inbox") & {b, c}  # dismissed and kept papers have left the inbox
    assert a in found("is:inbox")  # a note alone is not a decision
    assert library.view_counts()["inbox"] == len(library) - 2
    assert Library.open(tmp_path).state_of(b).dismissed  # saved


def test_saved_searches_keep_their_order_and_survive_a_restart(tmp_path):
    library = Library.open(tmp_path)
    library.save_search("to read", "is:inbox tag:later")
    library.save_search("diffusion", "diffusion -survey")
    library.save_search("to read", "is:unread tag:later")  # saving a name again replaces it, in place
    assert list(Library.open(tmp_path).saved_searches().items()) == [
        ("to read", "is:unread tag:later"),
        ("diffusion", "diffusion -survey"),
    ]
    assert library.delete_search("to read") and not library.delete_search("nope")
    assert Library.open(tmp_path).saved_searches() == {"diffusion": "diffusion -survey"}


# --- a full disk, a torn line, a long or unreadable history -------------------------------


def test_a_change_the_disk_refused_is_never_undone_or_redone_into_existence(tmp_path, monkeypatch):
    import errno
    import os

    import pytest

    from reader import store
    from reader.files import StoreError

    library = Library.open(tmp_path)
    a, b, _ = ids(library)
    library.set_bookmarked(a)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patched:
        patched.setattr(store, "write_atomically", full)
        with pytest.raises(StoreError, match="not saved"):
            library.set_read(b)
    assert library.undo().said == "bookmarked"  # not the refused "marked read"
    assert library.undo() is None
    assert library.redo().said == "bookmarked" and library.redo() is None
    assert not Library.open(tmp_path).state_of(b).read


def test_the_next_change_after_a_torn_last_line_is_the_one_undo_takes_back(tmp_path):
    library = Library.open(tmp_path)
    a, b, c = ids(library)
    library.set_bookmarked(a)
    library.set_bookmarked(b)
    path = tmp_path / "history.jsonl"
    text = path.read_text()
    path.write_text(text[: len(text) - 25])  # a crash cut the last line short

    reopened = Library.open(tmp_path)
    reopened.set_read(c)
    assert reopened.undo().said == "marked read"
    assert not reopened.state_of(c).read and reopened.state_of(b).bookmarked
    assert any("1 damaged line" in w for w in reopened.take_warnings())
    assert reopened.undo().said == "bookmarked"
    assert reopened.take_warnings() == []  # said once
    assert not reopened.state_of(a).bookmarked
    assert reopened.state_of(b).bookmarked  # its line was lost: that change stays
    assert reopened.undo() is None


def test_a_history_line_cut_short_by_a_full_disk_costs_only_that_step(tmp_path, monkeypatch):
    import errno
    import os

    library = Library.open(tmp_path)
    a, b, c = ids(library)
    library.set_bookmarked(a)
    real_write = os.write
    writes = []

    def short_then_full(fd, data):
        if not os.readlink(f"/proc/self/fd/{fd}").endswith("history.jsonl"):
            return real_write(fd, data)
        writes.append(data)
        if len(writes) == 1:
            return real_write(fd, bytes(data[:20]))  # a short write...
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # ...then no room

    with monkeypatch.context() as patched:
        patched.setattr(os, "write", short_then_full)
        library.set_bookmarked(b)  # saved, but its step cannot be recorded
    assert Library.open(tmp_path).state_of(b).bookmarked
    [warning] = library.take_warnings()
    assert "history.jsonl" in warning and "cannot be undone" in warning
    library.set_read(c)
    assert library.undo().said == "marked read"
    assert library.undo().said == "bookmarked" and not library.state_of(a).bookmarked
    assert library.state_of(b).bookmarked and library.undo() is None


def test_normal_changes_keep_the_history_bounded_and_undoable(tmp_path, monkeypatch):
    from dataclasses import replace

    from reader import history

    monkeypatch.setattr(history, "LIMIT", 4000)
    monkeypatch.setattr(history, "KEEP", 5)
    library = Library.open(tmp_path)
    paper = ids(library, 1)[0]
    path = tmp_path / "history.jsonl"
    sizes = []
    for n in range(60):
        library.change(paper, lambda s, n=n: replace(s, note=f"note {n}"), f"step {n}")
        sizes.append(path.stat().st_size)
    line = len(path.read_text().splitlines()[-1]) + 1
    assert max(sizes) <= history.LIMIT + line  # compacted on the way, with no undo
    undone = []
    while (step := library.undo()) is not None:
        undone.append(step.said)
    assert len(undone) >= 5 and undone == [f"step {n}" for n in range(59, 59 - len(undone), -1)]
    assert Library.open(tmp_path).state_of(paper).note == f"note {59 - len(undone)}"


def test_a_huge_history_from_before_the_limit_is_read_from_its_end_and_shrunk(tmp_path, monkeypatch):
    from reader import history

    library = Library.open(tmp_path)
    a, b, _ = ids(library)
    path = tmp_path / "history.jsonl"
    path.write_bytes((b"an old line that is not read " * 10 + b"\n") * 2000)
    old = path.stat().st_size
    library.set_bookmarked(a)
    library.set_read(b)
    steps = path.stat().st_size - old
    monkeypatch.setattr(history, "READ_AT_MOST", steps + 150)  # the two steps and part of an old line
    monkeypatch.setattr(history, "LIMIT", steps)
    assert library.undo().said == "marked read"
    assert library.take_warnings() == []  # the old lines were never read
    assert b"an old line" not in path.read_bytes()  # and they are gone
    assert library.undo().said == "bookmarked" and library.undo() is None


def test_a_bulk_change_beyond_the_bound_can_still_be_undone_after_the_next_change(tmp_path, monkeypatch):
    from reader import history

    monkeypatch.setattr(history, "LIMIT", 1000)  # a bulk change of 10 papers is ~2.6 kB
    library = Library.open(tmp_path)
    papers = ids(library, 11)
    library.change_many({p: with_tags(["bulk"], ()) for p in papers[:10]}, "tags +bulk")
    library.set_read(papers[10])  # e.g. the paper opened next: the file is compacted
    assert library.undo().said == "marked read"
    assert library.undo().said == "tags +bulk" and library.tag_counts() == {}
    assert library.redo().said == "tags +bulk"
    assert Library.open(tmp_path).tag_counts() == {"bulk": 10}


def test_a_step_longer_than_what_is_read_of_a_long_history_is_still_undone(tmp_path, monkeypatch):
    from reader import history

    library = Library.open(tmp_path)
    papers = ids(library, 10)
    library.set_read(papers[0])
    library.change_many({p: with_tags(["bulk"], ()) for p in papers}, "tags +bulk")
    monkeypatch.setattr(history, "READ_AT_MOST", 1000)  # shorter than that step's line
    assert library.undo().said == "tags +bulk" and library.tag_counts() == {}


def test_an_unreadable_history_is_said_not_taken_for_an_empty_one(tmp_path, monkeypatch):
    import pytest

    from reader.files import StoreError

    library = Library.open(tmp_path)
    a, b, _ = ids(library)
    library.set_bookmarked(a)
    path = tmp_path / "history.jsonl"
    real_open = open

    def refused(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr("builtins.open", refused)
        with pytest.raises(StoreError, match="history.jsonl: cannot be read \\(Permission denied\\)"):
            library.undo()
    assert library.state_of(a).bookmarked  # nothing was undone
    assert library.undo().said == "bookmarked"  # readable again: the step is there


def test_a_garbled_history_line_costs_only_that_line(tmp_path):
    library = Library.open(tmp_path)
    a, b, _ = ids(library)
    library.set_bookmarked(a)
    path = tmp_path / "history.jsonl"
    with open(path, "ab") as stream:
        stream.write(b'{"do": 1, "said": "caf\xe9"}\n')  # not UTF-8
    library.set_read(b)
    assert library.undo().said == "marked read"
    assert library.undo().said == "bookmarked"
    assert any("history.jsonl" in w and "1 damaged line" in w for w in library.take_warnings())


def test_a_history_that_cannot_be_written_keeps_the_change_and_says_it_cannot_be_undone(tmp_path):
    library = Library.open(tmp_path)
    a, _, _ = ids(library)
    (tmp_path / "history.jsonl").mkdir()  # appending to it fails, as on a read-only file
    library.set_bookmarked(a)
    assert Library.open(tmp_path).state_of(a).bookmarked
    [warning] = library.take_warnings()
    assert str(tmp_path / "history.jsonl") in warning and "cannot be undone" in warning

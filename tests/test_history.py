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


def test_the_history_is_compacted_when_long(tmp_path, monkeypatch):
    from reader import history

    monkeypatch.setattr(history, "_COMPACT_AT", 30)
    monkeypatch.setattr(history, "KEEP", 5)
    library = Library.open(tmp_path)
    paper = ids(library, 1)[0]
    for n in range(40):
        library.set_read(paper, n % 2 == 0)
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

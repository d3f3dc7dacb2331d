"""Damaged caches are never trusted: ignored, rebuilt and noted in one line.

`library.papers` and `search-<hash>.idx` only make a start fast. Each carries
checksums of its own bytes and the identity of the library it was made from
(reader/marshalfile.py, reader/snapshot.py, reader/search.py); one that does not
match must give exactly the answers of a start with no caches, never an error.
A paper's record in the paper file is checked when that paper is read: its damage
is found then, not at the start (see reader/papertable.py).
"""

from __future__ import annotations

import marshal
import random
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from helpers.pilot import notices, settle
from reader import snapshot
from reader.cli import main
from reader.library import Library
from reader.models import Paper
from reader.search import mapped
from reader.store import Store

# Words, prefixes, a typo, a phrase, fields, filters, the empty query: every part of
# the index a damaged byte could land in has a query that reads it.
QUERIES = (
    "",
    "diffusion",
    "video generation",
    "tranformer",
    "reinforc",
    '"language model"',
    "title:agent -reasoning",
    "abstract:benchmark",
    "author:wang",
    "vision | speech",
    "year:2025",
    "has:code",
    "src:txt",
)
RANDOM_TRIALS = 40
HEAD = range(0, 32, 3)  # the start of a file, where its layout is described: tried on purpose


def answers(library: Library) -> tuple[list[Paper], list[tuple]]:
    """What a person sees: every paper (ids, titles, all fields, in order) and the search results."""
    results = [library.search(q) for q in QUERIES]
    # Lists, not the results' lazy views: the tests damage the paper file they read in place.
    return list(library.papers.values()), [(r.query, list(r.ids), list(r.scores), r.total) for r in results]


def cache_files(home: Path) -> dict[str, Path]:
    (index,) = home.glob("search-*.idx")
    return {"library.papers": home / "library.papers", "index": index}


def drop_caches(home: Path) -> None:
    for path in cache_files(home).values():
        path.unlink()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A home holding the bundled library (423 papers), the answers of a start with
    no caches, and the good bytes of the caches that start wrote."""
    home = tmp_path_factory.mktemp("caches") / "home"
    _ = Library.open(home).index  # the property builds the search index and writes its cache
    drop_caches(home)
    library = Library.open(home, seed=False)
    expected = answers(library)
    assert not library.index.cache_hit
    good = {name: path.read_bytes() for name, path in cache_files(home).items()}
    return home, expected, good


def start(home: Path) -> tuple[Library, list[str], tuple]:
    """The library, what it had to say (a damaged cache), and its answers."""
    library = Library.open(home, seed=False)
    seen = answers(library)  # the index is built (or read) on the first search
    return library, library.take_warnings(), seen


def assert_both_caches_read(home: Path, expected: tuple) -> None:
    """A start that reads library.json or builds the index says so (announce)."""
    announced: list[str] = []
    library = Library.open(home, seed=False, announce=announced.append)
    assert answers(library) == expected and library.index.cache_hit and announced == []


def put_back(home: Path, good: dict[str, bytes]) -> None:
    for name, path in cache_files(home).items():
        path.write_bytes(good[name])


def test_good_caches_are_used_silently(seeded):
    home, expected, good = seeded
    put_back(home, good)
    _, notes, _ = start(home)
    assert notes == []
    assert_both_caches_read(home, expected)


@pytest.mark.parametrize("name", ["library.papers", "index"])
def test_random_damage_changes_no_answer_and_is_noted_once(seeded, name):
    home, expected, good = seeded
    rng = random.Random(name)  # the same trials on every run
    size = len(good[name])
    trials = [[at] for at in HEAD]
    trials += [rng.sample(range(size), rng.choice((1, 1, 2, 5))) for _ in range(RANDOM_TRIALS)]
    for offsets in trials:
        put_back(home, good)
        path = cache_files(home)[name]
        damaged = bytearray(good[name])
        for at in offsets:
            damaged[at] ^= rng.randrange(1, 256)
        path.write_bytes(damaged)
        _, notes, seen = start(home)
        assert seen == expected, f"{path.name} with bytes {offsets} changed"
        assert len(notes) == 1 and path.name in notes[0] and "rebuilt" in notes[0], (offsets, notes)
    # ... and rebuilt: the next start reads it again, with nothing to say
    assert_both_caches_read(home, expected)


@pytest.mark.parametrize("name", ["library.papers", "index"])
@pytest.mark.parametrize("keep", [0, 7, 8, 24, 0.5, -1])
def test_a_cache_cut_short_is_ignored_and_noted(seeded, name, keep):
    home, expected, good = seeded
    put_back(home, good)
    path = cache_files(home)[name]
    size = len(good[name])
    path.write_bytes(good[name][: int(size * keep) if isinstance(keep, float) else keep % size])
    _, notes, seen = start(home)
    assert seen == expected
    assert len(notes) == 1 and path.name in notes[0], notes


def test_an_older_readers_index_is_replaced_without_a_word(seeded):
    home, expected, good = seeded
    put_back(home, good)
    path = cache_files(home)["index"]
    # Before checksums, a cache began with the length of its marshal part.
    head = marshal.dumps(((7, "what an older reader kept"), []))
    path.write_bytes(len(head).to_bytes(8, "little") + head)
    _, notes, seen = start(home)
    assert seen == expected and notes == []
    assert_both_caches_read(home, expected)


def test_an_older_readers_snapshot_is_not_used_and_goes_without_a_word(seeded):
    """Before the paper file, a start read the whole library from library.snapshot
    (1.5 GB at 1M papers): left beside it, it would only take room."""
    home, expected, good = seeded
    put_back(home, good)
    old = [home / "library.snapshot", home / "library.snapshot.seen"]
    for path in old:
        path.write_bytes(b"what an older reader kept")
    cache_files(home)["library.papers"].unlink()
    _, notes, seen = start(home)
    assert seen == expected and notes == []
    assert not any(path.exists() for path in old)
    assert_both_caches_read(home, expected)


def test_another_librarys_caches_under_these_names_are_not_used(seeded, tmp_path):
    home, expected, good = seeded
    put_back(home, good)
    papers = Store(home).load_papers()
    # Another library of as many papers, one title different.
    other = tmp_path / "other"
    Store(other).save_papers([replace(papers[0], title="Quokka Zebrafish Survey"), *papers[1:]])
    _ = Library.open(other, seed=False).index  # the property builds the index and writes its cache
    mine, theirs = cache_files(home), cache_files(other)
    for name in mine:
        shutil.copyfile(theirs[name], mine[name])
    library, notes, seen = start(home)
    assert seen == expected and library.search("quokka").ids == ()
    # The snapshot names the very library.json it was made from: another one is
    # simply out of date (as after `reader recover`). The index says it is foreign.
    assert len(notes) == 1 and mine["index"].name in notes[0] and "another library" in notes[0], notes


def diffusion_postings(home: Path) -> bytes:
    """The bytes of the abstracts' postings of "diffusion" in the index file."""
    index = Library.open(home, seed=False).index
    assert index.cache_hit
    (part,) = index._parts[1]
    found = part.word("diffusion")
    assert found is not None and len(found) > 2
    return found.tobytes()


@pytest.mark.parametrize("where", ["postings", "title"])
def test_damage_found_as_a_large_index_is_read_changes_no_answer_and_is_noted_once(seeded, monkeypatch, where):
    """A large index file is checked block by block as searches first read it, not
    whole at the start (a start would read a gigabyte at 1M papers): damage where a
    search reads is found then, the index rebuilt and the search answered from it."""
    home, expected, good = seeded
    put_back(home, good)
    monkeypatch.setattr(mapped, "_CHECKED_WHOLE", 0)  # as for a file of a large library
    path = cache_files(home)["index"]
    damaged = bytearray(good["index"])
    if where == "postings":
        needle = diffusion_postings(home)
        at = damaged.find(needle) + 4  # the second paper's number: still a paper's, but the wrong one
        assert damaged.count(needle) == 1
    else:
        at = damaged.find(b" diffusion ") + 1  # in the first title with the word (the head has no spaces)
    assert at > 4
    damaged[at] ^= 0x01
    path.write_bytes(damaged)
    _, notes, seen = start(home)
    assert seen == expected
    assert len(notes) == 1 and path.name in notes[0] and "rebuilt" in notes[0], notes
    assert_both_caches_read(home, expected)


def damage_paper(path: Path, paper_id: str) -> None:
    """Change a byte in the middle of the paper's record in the paper file (each is
    compressed alone: its title is not there to find as text)."""
    found = snapshot.read(path, path.with_name("library.json"), snapshot.identity(path.with_name("library.json")))
    assert found is not None
    record = found.record_of(paper_id)
    assert record is not None
    offsets = found._offsets  # where each record starts in the records, which end the file
    data = bytearray(path.read_bytes())
    at = len(data) - offsets[-1] + (offsets[record] + offsets[record + 1]) // 2
    data[at] ^= 0x20
    path.write_bytes(data)


def test_the_cli_answers_as_without_caches_and_says_so_on_stderr(home, capsys):
    def search() -> tuple[int, str, str]:
        code = main(["search", "diffusion", "--limit", "5"])
        out, err = capsys.readouterr()
        return code, out, err

    search()  # seeds the home, writes both caches
    drop_caches(home)
    code, expected, err = search()
    assert code == 0 and err == ""
    caches = cache_files(home)
    first = Store(home).load_papers()
    damage_paper(caches["library.papers"], next(p.id for p in first if p.id in expected.splitlines()[0]))
    caches["index"].write_bytes(caches["index"].read_bytes()[:-100])
    code, out, err = search()
    assert code == 0 and out == expected
    lines = err.splitlines()
    assert len(lines) == 2 and all(line.startswith("reader: warning: ") and "rebuilt" in line for line in lines), err
    assert "library.papers" in lines[0] and caches["index"].name in lines[1]
    assert search() == (0, expected, "")  # rebuilt: nothing more to say


@pytest.mark.pilot
async def test_the_app_shows_the_right_titles_and_keeps_the_damage_to_tell(tmp_path):
    from reader.app import ReaderApp
    from reader.widgets.paper_list import PaperList

    home = tmp_path / "home"
    library = Library.open(home)
    _ = library.index  # the property builds the search index and writes its cache
    newest = library.get(library.search("").ids[0])
    damage_paper(home / "library.papers", newest.id)
    app = ReaderApp(home=home)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        # Found as the first row is shown, and rebuilt in a worker which tells it.
        assert "library.papers was damaged" in notices(app) and "rebuilt" in notices(app), notices(app)
        assert app.screen.library.get(newest.id).title == newest.title
        assert app.screen.query_one(PaperList).current == newest.id
        assert app.is_running

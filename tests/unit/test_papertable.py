"""The paper file (reader/snapshot.py) and the table that reads it (reader/papertable.py).

A start must read no paper it does not show: the table answers `len`, `in` and
the ids from the file's arrays, and decodes a paper only when it is asked for.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from reader import snapshot
from reader.library import Library
from reader.marshalfile import Damaged
from reader.models import Paper, Source
from reader.papertable import PaperTable, in_order, numbered, paper_dates, paper_ids
from reader.store import Store


def paper(n: int, **fields) -> Paper:
    return Paper(id=f"arxiv:2401.{n:05d}", title=f"Paper {n}", abstract=f"About {n} things.", **fields)


RICH = Paper(
    id="doi:10.1145/3292500.3330701",
    title="Ünïcode {GPT}-4 Technical Report",
    abstract="An abstract with TeX $x^2$ and an emoji 🙂 and a lone \udcff surrogate.",
    authors=("Ada Lovelace", "Alan Turing"),
    links=("https://github.com/a/b", "https://arxiv.org/abs/2303.08774"),
    sources=(Source("dblp.bib", "bibtex", 12, None), Source("day.json", "hf-json", 3, "2024-01-02")),
    arxiv_id="2303.08774",
    categories=("cs.CL", "cs.AI"),
    published="2023-03-15",
    upvotes=42,
    entry_type="inproceedings",
    venue="KDD",
    volume="7",
    number="2",
    pages="1--10",
    publisher="ACM",
    month="08",
    doi="10.1145/3292500.3330701",
    editors=("Grace Hopper",),
    files=("/papers/gpt4.pdf",),
    extra=(("school", "MIT"), ("note", "{T}o appear")),
    provenance=(("venue", 0), ("upvotes", 1), ("abstract", 0), ("abstract", 1)),
)


def written(tmp_path: Path, papers: list[Paper]) -> snapshot.PaperFile:
    """The paper file of `papers`, as a start reads it (library.json stands for itself)."""
    library = tmp_path / "library.json"
    library.write_text("{}")
    made_from = snapshot.identity(library)
    assert made_from is not None
    snapshot.write(tmp_path / snapshot.PAPERS_FILE, made_from, "content-id", papers)
    found = snapshot.read(tmp_path / snapshot.PAPERS_FILE, library, made_from)
    assert found is not None
    return found


@pytest.mark.parametrize("count", [1, 300])  # 300: enough records for a zstd dictionary
def test_every_field_of_every_paper_reads_back(tmp_path, count):
    papers = [RICH, *(paper(n, sources=(Source(f"f{n % 3}.json", "hf-json", n, None),)) for n in range(count - 1))]
    found = written(tmp_path, papers)
    assert [found.paper(found.record_of(p.id)) for p in papers] == papers  # type: ignore[arg-type]
    assert found.ids() == [p.id for p in papers] and list(found.iter_ids()) == found.ids()
    assert found.record_of("arxiv:9999.99999") is None


def test_ids_that_are_not_ascii_are_found_and_listed(tmp_path):
    papers = [Paper(id=f"title:é{n}", title="T", abstract="") for n in range(5)] + [paper(1)]
    found = written(tmp_path, papers)
    assert found.ids() == [p.id for p in papers]
    assert all(found.record_of(p.id) == i for i, p in enumerate(papers))


def test_a_damaged_record_is_damaged_when_read_and_no_other(tmp_path):
    papers = [paper(n) for n in range(200)]
    found = written(tmp_path, papers)
    path = tmp_path / snapshot.PAPERS_FILE
    data = bytearray(path.read_bytes())
    offsets = found._offsets
    data[len(data) - offsets[-1] + (offsets[7] + offsets[8]) // 2] ^= 0x01
    path.write_bytes(data)
    again = snapshot.read(path, tmp_path / "library.json", snapshot.identity(tmp_path / "library.json"))
    assert again is not None  # the records are not read at a start
    assert again.paper(6) == papers[6] and again.paper(8) == papers[8]
    with pytest.raises(Damaged):
        again.paper(7)


@pytest.mark.parametrize("at", [0, 9, 17, 26, 40, -1])  # magic, checksum, lengths, head, the last record
def test_damage_outside_the_records_is_found_at_the_start(tmp_path, at):
    written(tmp_path, [paper(n) for n in range(200)])
    path = tmp_path / snapshot.PAPERS_FILE
    data = bytearray(path.read_bytes())
    if at == -1:
        data = data[:-1]  # cut short
    else:
        data[at] ^= 0x04
    path.write_bytes(data)
    with pytest.raises(Damaged):
        snapshot.read(path, tmp_path / "library.json", snapshot.identity(tmp_path / "library.json"))


def test_a_paper_file_of_another_library_json_is_not_used(tmp_path):
    written(tmp_path, [paper(1)])
    library = tmp_path / "library.json"
    library.write_text('{"papers": {}}')  # another file: other bytes, another size
    assert snapshot.read(tmp_path / snapshot.PAPERS_FILE, library, snapshot.identity(library)) is None


# --- the table ----------------------------------------------------------------------------


class Counting:
    """Counts the papers a PaperFile decodes."""

    def __init__(self, monkeypatch):
        self.decoded = 0
        real = snapshot.PaperFile.paper

        def paper(file, record):
            self.decoded += 1
            return real(file, record)

        monkeypatch.setattr(snapshot.PaperFile, "paper", paper)


def test_len_in_and_the_ids_decode_no_paper(tmp_path, monkeypatch):
    papers = [paper(n) for n in range(150)]
    table = PaperTable([written(tmp_path, papers)])
    counting = Counting(monkeypatch)
    assert len(table) == 150 and papers[3].id in table and "arxiv:0000.00000" not in table and 3 not in table
    assert list(table) == table.ids() == [p.id for p in papers]
    assert paper_ids(table.in_order()) == [p.id for p in papers]
    assert counting.decoded == 0
    assert table[papers[3].id] == papers[3] and table.get(papers[4].id) == papers[4]
    assert table[papers[3].id] == papers[3]  # kept: not decoded again
    assert counting.decoded == 2
    with pytest.raises(KeyError):
        table["arxiv:0000.00000"]


def test_changes_read_as_a_dict_changed_so(tmp_path):
    papers = [paper(n) for n in range(5)]
    table = PaperTable([written(tmp_path, papers)])
    expected = {p.id: p for p in papers}
    for changed in (paper(2, upvotes=9), paper(7), paper(0, upvotes=1), paper(8)):
        table[changed.id] = expected[changed.id] = changed
    assert list(table.items()) == list(expected.items())
    assert list(table.in_order()) == list(expected.values()) and len(table.in_order()) == 7
    assert table.in_order()[-1] == paper(8)


def test_a_copy_does_not_see_the_others_changes(tmp_path):
    table = PaperTable([written(tmp_path, [paper(1), paper(2)])])
    before = table.copy()
    table[paper(3).id] = paper(3)
    table[paper(1).id] = paper(1, upvotes=5)
    assert list(before.values()) == [paper(1), paper(2)]
    assert list(table.values()) == [paper(1, upvotes=5), paper(2), paper(3)]


def test_later_files_replace_earlier_papers_in_their_place_and_add_after_them(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    table = PaperTable([written(first, [paper(1), paper(2), paper(3)]), written(second, [paper(4), paper(2, upvotes=7)])])
    expected = [paper(1), paper(2, upvotes=7), paper(3), paper(4)]
    assert len(table) == 4 and list(table.values()) == expected and list(table.in_order()) == expected
    assert table.ids() == [p.id for p in expected]


def test_the_index_order_reads_papers_as_asked_and_holds_what_it_is_given(tmp_path, monkeypatch):
    papers = [paper(n) for n in range(4)]
    docs = in_order(PaperTable([written(tmp_path, papers)]).in_order(), [2, 0, 3, 1])
    counting = Counting(monkeypatch)
    assert paper_ids(docs) == [papers[i].id for i in (2, 0, 3, 1)] and counting.decoded == 0
    docs[1] = paper(0, upvotes=3)
    docs.append(paper(9))
    assert list(docs) == [papers[2], paper(0, upvotes=3), papers[3], papers[1], paper(9)]
    assert paper_ids(docs)[-1] == paper(9).id and counting.decoded == 3


def test_the_index_order_numbers_ids_as_a_list_and_a_dict_of_them_would(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    later = [paper(2, upvotes=5), paper(7)]  # a segment replaces a paper and adds one
    table = PaperTable([written(first, [paper(n) for n in range(5)]), written(second, later)], {paper(8).id: paper(8)})
    order = [4, 6, 0, 2, 5, 1, 3]
    ids, numbers = numbered(in_order(table.in_order(), order))
    expected = [table.id_at(place) for place in order]
    assert list(ids) == [ids[d] for d in range(len(ids))] == expected
    assert {pid: numbers.get(pid) for pid in expected} == {pid: d for d, pid in enumerate(expected)}
    assert "arxiv:0000.00000" not in numbers and numbers.get("arxiv:0000.00000") is None
    ids[1] = paper(6).id  # as the index holds a replaced paper and an added one
    ids.append(paper(9).id)
    numbers[paper(9).id] = 7
    assert (
        list(ids) == [expected[0], paper(6).id, *expected[2:], paper(9).id]
        and numbers[paper(9).id] == 7
        and dict(numbers.items())[paper(9).id] == 7
    )


def test_a_table_of_papers_in_memory_is_a_dict_of_them():
    table = PaperTable.of([paper(1), paper(2)])
    assert dict(table) == {paper(1).id: paper(1), paper(2).id: paper(2)} and table.ids() == [paper(1).id, paper(2).id]


# --- a start --------------------------------------------------------------------------------


def papers_in_memory() -> int:
    gc.unfreeze()  # a load freezes what it made (importing.no_collector_pauses): get_objects skips those
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is Paper)


def test_a_start_with_its_caches_builds_no_paper_it_does_not_show(tmp_path):
    home = tmp_path / "home"
    seeded = Library.open(home)
    _ = seeded.index  # the property builds the index and writes its cache
    count = len(seeded)
    del seeded
    before = papers_in_memory()
    library = Library.open(home, seed=False)
    result = library.search("")
    shown = [library.get(pid) for pid in result.ids[:20]]
    assert len(library) == count > 400 and len(shown) == 20
    assert papers_in_memory() - before <= 20 + 1  # a screen's rows (and `shown` holds them)


def test_a_start_with_its_caches_reads_no_id_it_does_not_show(tmp_path, monkeypatch):
    home = tmp_path / "home"
    seeded = Library.open(home)
    _ = seeded.index
    count = len(seeded)
    del seeded
    read: list[int] = []
    real_id_at, real_ids = snapshot.PaperFile.id_at, snapshot.PaperFile.ids
    monkeypatch.setattr(snapshot.PaperFile, "id_at", lambda file, record: read.append(1) or real_id_at(file, record))
    monkeypatch.setattr(snapshot.PaperFile, "ids", lambda file: read.append(len(file)) or real_ids(file))
    library = Library.open(home, seed=False)
    _ = library.index  # read back, as a start with its caches does before the first list
    shown = library.search("").ids[:20]
    assert len(library) == count > 400 and len(shown) == 20
    assert sum(read) <= 2 * 20  # a screen's rows, not the library's ids (nor a list and a dict of them)


def test_an_import_adds_to_the_table_and_its_paper_file(tmp_path):
    home = tmp_path / "home"
    library = Library.open(home, seed=False)
    Store(home).save_papers([paper(1), paper(2)])
    library = Library.open(home, seed=False)
    source = tmp_path / "more.json"
    source.write_text(
        '[{"title": "A Third Paper", "paper": {"id": "2401.00003", "title": "A Third Paper", "summary": "x", "authors": []}}]'
    )
    library.import_paths([source])
    assert len(library) == 3 and os.path.exists(home / snapshot.PAPERS_FILE)
    again = Library.open(home, seed=False)
    assert list(again.papers) == list(library.papers) and again.get(paper(2).id) == paper(2)


def test_a_whole_pass_over_a_file_damaged_in_two_records_is_rescued_once(tmp_path):
    papers = [paper(n) for n in range(200)]
    found = written(tmp_path, papers)
    path = tmp_path / snapshot.PAPERS_FILE
    data = bytearray(path.read_bytes())
    offsets = found._offsets
    for record in (7, 150):
        data[len(data) - offsets[-1] + (offsets[record] + offsets[record + 1]) // 2] ^= 0x01
    path.write_bytes(data)
    library = tmp_path / "library.json"
    damaged = snapshot.read(path, library, snapshot.identity(library))
    assert damaged is not None
    rescues: list[str] = []

    def rescue(error: Damaged) -> PaperTable:
        rescues.append(str(error))
        return PaperTable.of(papers)  # as library.json holds them

    assert list(PaperTable([damaged], rescue=rescue).values()) == papers and len(rescues) == 1


def test_a_start_of_a_library_with_a_segment_reads_both_paper_files_as_asked(tmp_path):
    home = tmp_path / "home"
    library = Library.open(home)
    _ = library.index
    source = tmp_path / "day.json"
    source.write_text(
        '[{"title": "A Day Paper", "paper": {"id": "2401.99999", "title": "A Day Paper", "summary": "x", "authors": []}}]'
    )
    library.import_paths([source])
    assert list((home / "library.d").glob("*.json"))  # a segment, not library.json rewritten
    expected = list(library.papers)
    del library
    before = papers_in_memory()
    again = Library.open(home, seed=False)
    assert list(again.papers) == expected and again.papers.ids() == expected and len(again.papers) == len(expected)
    assert again.get(expected[-1]).title == "A Day Paper"
    shown = [again.get(pid) for pid in again.search("").ids[:20]]
    assert len(shown) == 20 and papers_in_memory() - before <= 20 + 1


def test_the_dates_come_from_the_files_and_the_changes_without_decoding_a_paper(tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    dated = [paper(n, published=f"2024-01-{n:02d}") for n in range(1, 5)]
    table = PaperTable([written(first, dated), written(second, [paper(2, published="2025-02-02"), paper(9)])])
    table[paper(3).id] = paper(3, published="2023-03-03")
    table[paper(7).id] = paper(7, sources=(Source("d.json", "hf-json", 0, "2022-02-02"),))
    counting = Counting(monkeypatch)
    expected = ["2024-01-01", "2025-02-02", "2023-03-03", "2024-01-04", "", "2022-02-02"]
    assert table.dates() == expected and paper_dates(table.in_order()) == expected
    assert paper_dates(in_order(table.in_order(), [5, 0])) == ["2022-02-02", "2024-01-01"]
    assert counting.decoded == 0
    assert [p.date for p in table.values()] == expected

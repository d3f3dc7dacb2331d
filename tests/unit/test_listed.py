"""A list without some papers (reader.listed.Without) reads as the list filtered
would, whichever rows are left out and however it is read."""

from hypothesis import given
from hypothesis import strategies as st

from reader.listed import LOOKED_UP_AT_MOST, Without, listed_among, rows_of


@st.composite
def lists_and_gone(draw):
    ids = [f"p{i}" for i in range(draw(st.integers(0, 80)))]
    gone = set(draw(st.lists(st.sampled_from(ids), max_size=LOOKED_UP_AT_MOST + 10))) if ids else set()
    gone |= set(draw(st.lists(st.sampled_from(["elsewhere", "p999"]), max_size=2)))  # not listed
    return ids, gone


@given(lists_and_gone())
def test_without_reads_as_the_filtered_list(case):
    ids, gone = case
    staying = Without(ids, gone)
    want = [pid for pid in ids if pid not in gone]
    assert len(staying) == len(want)
    assert list(staying) == want == staying[:]
    assert [staying[row] for row in range(len(want))] == want
    assert [staying[-row - 1] for row in range(len(want))] == want[::-1]
    assert all(staying.index(pid) == row for row, pid in enumerate(want))
    assert all(pid not in staying for pid in gone)
    for row in range(len(ids) + 1):  # where the next paper that stays is listed
        assert staying.staying_row(row) == sum(1 for pid in ids[:row] if pid not in gone)


@given(lists_and_gone())
def test_a_list_without_papers_and_without_more_reads_as_filtered_twice(case):
    ids, gone = case
    more = set(ids[::3])
    assert list(Without(Without(ids, gone), more)) == [pid for pid in ids if pid not in gone | more]


@given(lists_and_gone())
def test_rows_of_and_listed_among_find_every_listed_paper(case):
    ids, wanted = case
    assert rows_of(ids, wanted) == [row for row, pid in enumerate(ids) if pid in wanted]
    assert listed_among(ids, wanted) == wanted & set(ids)

"""A list without some papers (reader.listed.Without) reads as the list filtered
would, whichever rows are left out and however it is read."""

from hypothesis import given
from hypothesis import strategies as st

from reader.listed import LOOKED_UP_AT_MOST, Without, day_step_by_runs, listed_among, rows_of
from reader.search import day_step


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


DAYS = ["2024-05-29", "2024-05-28", "2024-05-24", "2023-01-01", ""]


@given(st.lists(st.sampled_from(DAYS), min_size=1, max_size=40), st.data(), st.booleans())
def test_stepping_by_runs_goes_where_day_step_goes_in_a_newest_first_list(days, data, older):
    days = sorted(days, key=lambda day: day or "0", reverse=True)  # newest first, the undated last
    row = data.draw(st.integers(0, len(days) - 1))
    read = set()

    def day_of(r: int) -> str:
        read.add(r)
        return days[r]

    want = day_step(days, row, older)
    got = day_step_by_runs(day_of, len(days), row, older)
    assert got == (None if want is None else (want, days.count(days[want])))
    passed = {r for r, day in enumerate(days) if day in (days[row], days[want] if want is not None else None)}
    assert read <= passed | {min(passed) - 1, max(passed) + 1}  # the runs it passes and their edges

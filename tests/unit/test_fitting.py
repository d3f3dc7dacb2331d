"""Fitting a paper's facts to a width: the abstract pane's authors line, the list's columns."""

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from reader.models import Paper, Source
from reader.tex import tex_to_text
from reader.text import inert, one_line
from reader.widgets.abstract_view import fitted_names
from reader.widgets.paper_list import COLUMNS, facts

# Names as imports give them: accents, CJK (two cells a character), controls a file may hold.
names = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30).filter(str.split)


@given(st.lists(names, min_size=1, max_size=60), st.integers(20, 200))
def test_the_authors_line_fits_names_whole_in_order_and_counts_the_rest(authors, width):
    line, named = fitted_names(tuple(authors), width)
    assert cell_len(line) <= width
    assert line == inert(line) and "\n" not in line
    if named:
        shown = [one_line(tex_to_text(a)) for a in authors[:named]]  # TeX rendered: `~` is a space
        rest = len(authors) - named
        assert line == ", ".join(shown) + (f" +{rest}" if rest else "")
    else:  # the first name alone is too long: cut
        assert line.endswith("…" + (f" +{len(authors) - 1}" if len(authors) > 1 else ""))


def test_the_authors_line_names_all_that_fit_of_two_or_of_three_thousand():
    assert fitted_names(("Ada Lovelace", "Alan Turing"), 40) == ("Ada Lovelace, Alan Turing", 2)
    thousands = tuple(f"Author {n}" for n in range(3000))
    assert fitted_names(thousands, 44) == ("Author 0, Author 1, Author 2, Author 3 +2996", 4)
    assert fitted_names(thousands, 43) == ("Author 0, Author 1, Author 2 +2997", 3)


papers = st.builds(
    Paper,
    id=st.just("arxiv:2608.00001"),
    title=st.just("A title"),
    abstract=st.just(""),
    authors=st.lists(names, max_size=3).map(tuple),
    categories=st.lists(st.text(min_size=1, max_size=20), max_size=2).map(tuple),
    upvotes=st.none() | st.integers(0, 100_000),
    published=st.none() | st.sampled_from(["2026", "2026-08", "2026-08-17"]),
    sources=st.just((Source("day.json", "hf-json", 1, "2026-08-20"),)),
)


@given(papers, st.integers(40, 220))
def test_the_columns_take_the_same_cells_on_every_row_and_hold_no_control(paper, width):
    shown = facts(paper, width)
    assert cell_len(shown) == sum(c.cells + 1 for c in COLUMNS if width >= c.from_width)
    assert shown == inert(shown) and "\n" not in shown

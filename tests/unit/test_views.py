"""The typed views (reader.views): each knows its search, its name in the sidebar, and its spelling in settings.toml."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.views import ALL, BOOKMARKED, INBOX, STANDARD, UNREAD, RelatedTo, Saved, Tag, View

# A tag as settings.toml accepts one in `view = "tag:NAME"`: no spaces.
TAG_NAMES = st.text(min_size=1).filter(lambda name: not any(c.isspace() for c in name))


@pytest.mark.parametrize("view", STANDARD, ids=str)
def test_a_standard_view_reads_back_as_itself(view):
    assert View.parse(str(view)) is view


@given(TAG_NAMES)
def test_a_tag_view_reads_back_as_itself(name):
    view = Tag(name)
    assert View.parse(str(view)) == view
    assert view.query == f"tag:{name}" and view.label == f"#{name}"


@pytest.mark.parametrize("text", ["", "starred", "tag:", "saved:gnn", "related:arxiv:2306.13575", "All"])
def test_what_settings_cannot_name_is_no_view(text):
    with pytest.raises(ValueError):
        View.parse(text)


def test_each_view_stands_for_its_search():
    assert [v.query for v in STANDARD] == ["", "is:inbox", "is:unread", "is:bookmarked"]
    assert [v.label for v in (ALL, INBOX, UNREAD, BOOKMARKED)] == ["All", "Inbox", "Unread", "Bookmarked"]
    saved = Saved("gnn", "graph neural")
    assert (saved.query, saved.label, str(saved)) == ("graph neural", "gnn", "saved:gnn")


def test_related_papers_search_the_view_they_came_from():
    related = RelatedTo("arxiv:2306.13575", back=Tag("ml"))
    assert related.query == "tag:ml" and related.label == "Related"
    assert str(related) == "related:arxiv:2306.13575"

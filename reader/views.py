"""The views a person switches between: the standard four, a saved search, a tag, related papers.

A view is a typed value, not a string tested by its prefix: each knows the
search it stands for (`query`, with the search box's text after it), its name
in the sidebar and the palette (`label`), and how settings.toml and the
sidebar's option ids spell it (`str(view)`; `View.parse` reads it back).
Nothing here knows Textual.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


class View(ABC):
    @property
    @abstractmethod
    def query(self) -> str:
        """The search the view stands for; the search box's text is added after it."""

    @property
    @abstractmethod
    def label(self) -> str:
        """Its name in the sidebar and the palette."""

    @abstractmethod
    def __str__(self) -> str: ...

    @staticmethod
    def parse(text: str) -> View:
        """A view as settings.toml names it: a standard view's name, or tag:NAME. Raises ValueError."""
        for view in STANDARD:
            if text == view.name:
                return view
        if text.startswith(Tag.PREFIX) and len(text) > len(Tag.PREFIX):
            return Tag(text.removeprefix(Tag.PREFIX))
        raise ValueError(f"{text!r} is not a view; one of: {', '.join(v.name for v in STANDARD)}, or tag:NAME")


@dataclass(frozen=True)
class Standard(View):
    """All, Inbox, Unread, Bookmarked: the library's own views, counted in the sidebar."""

    name: str  # also the key of Library.view_counts
    search: str

    @property
    def query(self) -> str:
        return self.search

    @property
    def label(self) -> str:
        return self.name.title()

    def __str__(self) -> str:
        return self.name


ALL = Standard("all", "")
INBOX = Standard("inbox", "is:inbox")
UNREAD = Standard("unread", "is:unread")
BOOKMARKED = Standard("bookmarked", "is:bookmarked")
STANDARD = (ALL, INBOX, UNREAD, BOOKMARKED)


@dataclass(frozen=True)
class Tag(View):
    PREFIX = "tag:"

    name: str

    @property
    def query(self) -> str:
        return f"tag:{self.name}"

    @property
    def label(self) -> str:
        return f"#{self.name}"

    def __str__(self) -> str:
        return f"{self.PREFIX}{self.name}"


@dataclass(frozen=True)
class Saved(View):
    """A saved search: its name and the query it was saved with."""

    name: str
    search: str

    @property
    def query(self) -> str:
        return self.search

    @property
    def label(self) -> str:
        return self.name

    def __str__(self) -> str:
        return f"saved:{self.name}"


@dataclass(frozen=True)
class RelatedTo(View):
    """The papers most like one paper: a list worked out, not a search.

    `back` is the view it was opened from: esc returns there, and a search
    typed here searches there (so `query` is that view's).
    """

    paper_id: str
    back: View

    @property
    def query(self) -> str:
        return self.back.query

    @property
    def label(self) -> str:
        return "Related"

    def __str__(self) -> str:
        return f"related:{self.paper_id}"

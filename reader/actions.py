"""Every action a person can take, once: its keys, its footer label, its palette name, its help row.

The app's, the paper list's and the abstract pane's key bindings, the command
palette, the help screen and the binding ids settings.toml may rebind are all
read from `ACTIONS`, so adding or renaming an action is one entry here. Nothing
here imports Textual: keys are Textual's key names as plain text ("slash",
"ctrl+r", "j,down"), and the UI turns entries into bindings.

`ACTIONS` is in the help screen's order; the palette lists its entries in the
same order, and the footer shows those with a `footer` rank in it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Where an action's keys are bound: the app (on every screen: help, quit), the
# main screen, the focused paper list, the focused abstract pane, the focused
# sidebar, or Textual
# itself (those are listed for the help only: Textual binds them and
# settings.toml cannot rebind them).
APP = "app"
MAIN = "main"
LIST = "list"
ABSTRACT = "abstract"
SIDEBAR = "sidebar"
TEXTUAL = "textual"


@dataclass(frozen=True)
class Action:
    """One action.

    `id` is the binding id settings.toml's [keys] table rebinds by; one id may be
    bound in two places (the abstract pane scrolls by the paper list's ids, so one
    line rebinds both). `run` is the Textual action string run where the keys are
    bound, and by the palette there (an action of the list's, on the main screen).
    `keys` are the default keys, several as "a,b"; none for actions only the
    palette offers. `label` is the binding's description (the footer and
    Textual's keys panel show it), `footer` whether the footer shows it. `help`
    starts a help row; `help_with` names the id of the action whose row this one
    shares ("j / k" — next / previous paper). `priority` keys are handled as they
    arrive, before the keys after them go to the focused widget: `/` moves the
    focus to the search box before the `agent` of a pasted or fast-typed
    `/agent` reaches the list, where `a` would open the note editor.
    """

    id: str
    run: str
    keys: str = ""
    on: str = MAIN
    label: str = ""
    footer: int = 0
    changes: bool = False
    palette: str | None = None
    help: str | None = None
    help_with: str | None = None
    priority: bool = False


ACTIONS: tuple[Action, ...] = (
    Action("down", "cursor_down", "j,down", LIST, "Down", help="next / previous paper"),
    Action("up", "cursor_up", "k,up", LIST, "Up", help_with="down"),
    Action("first", "first", "g,home", LIST, "First", help="first / last paper"),
    Action("last", "last", "G,end", LIST, "Last", help_with="first"),
    Action("page-down", "page_down", "pagedown,ctrl+f", LIST, "Page down", help="page down / up"),
    Action("page-up", "page_up", "pageup,ctrl+b", LIST, "Page up", help_with="page-down"),
    Action("read-abstract", "open", "enter", LIST, "Open", help="open the paper (marks it read)"),
    # The abstract pane's scroll keys, under the list's ids (the help screen scrolls by them too).
    Action("down", "scroll_down", "j", ABSTRACT, "Down"),
    Action("up", "scroll_up", "k", ABSTRACT, "Up"),
    Action("first", "scroll_home", "g", ABSTRACT, "Top"),
    Action("last", "scroll_end", "G", ABSTRACT, "Bottom"),
    # The sidebar's moves, under the list's ids too (its arrows, home and end are Textual's).
    Action("down", "cursor_down", "j", SIDEBAR, "Down"),
    Action("up", "cursor_up", "k", SIDEBAR, "Up"),
    Action("first", "first", "g", SIDEBAR, "First"),
    Action("last", "last", "G", SIDEBAR, "Last"),
    Action(
        "next-unread",
        "next_unread",
        "n",
        label="Next unread",
        palette="Next unread paper",
        help="next / previous unread paper",
    ),
    Action(
        "previous-unread",
        "previous_unread",
        "N",
        label="Prev unread",
        palette="Previous unread paper",
        help_with="next-unread",
    ),
    Action(
        "previous-day",
        "day(True)",
        "left_square_bracket",
        label="Prev day",
        palette="Previous listing day",
        help="first paper of the previous (older) / next (newer) day",
    ),
    Action(
        "next-day",
        "day(False)",
        "right_square_bracket",
        label="Next day",
        palette="Next listing day",
        help_with="previous-day",
    ),
    Action(
        "search",
        "search",
        "slash",
        label="Search",
        footer=2,
        palette="Search",
        help="search (live, typo-tolerant)",
        priority=True,
    ),
    Action("back", "escape", "escape", label="Back", help="clear the selection, leave related papers, clear the search"),
    Action(
        "sort",
        "sort",
        "S",
        label="Sort",
        palette="Sort: newest / most upvoted / best match / title",
        help="sort: newest, upvotes, best match (searching), title",
    ),
    Action(
        "bookmark",
        "bookmark",
        "b",
        label="Bookmark",
        footer=3,
        changes=True,
        palette="Bookmark / unbookmark",
        help="bookmark / unbookmark, then on to the next unread paper",
    ),
    Action(
        "tags",
        "tags",
        "t",
        label="Tags",
        footer=5,
        changes=True,
        palette="Edit tags",
        help="edit tags (→ completes a known tag), then on",
    ),
    Action("rename-tag", "rename_tag", changes=True, palette="Rename or merge a tag…"),
    Action(
        "read",
        "toggle_read",
        "r",
        label="Read",
        footer=11,
        changes=True,
        palette="Mark read / unread",
        help="mark read / unread, then on",
    ),
    Action(
        "dismiss",
        "dismiss_papers",
        "x",
        label="Dismiss",
        footer=4,
        changes=True,
        palette="Dismiss (read, out of the inbox)",
        help="dismiss: read and out of the inbox, then on",
    ),
    Action(
        "remove",
        "remove_papers",
        "D",
        label="Remove",
        changes=True,
        palette="Remove from the library…",
        help="remove the paper (or the selection) from the library; u puts it back",
    ),
    Action("remove-demo", "remove_demo", changes=True, palette="Remove the demo papers"),
    Action(
        "undo",
        "undo",
        "u",
        label="Undo",
        footer=6,
        changes=True,
        palette="Undo",
        help="undo / redo the last change (also after a restart)",
    ),
    Action("redo", "redo", "ctrl+r", label="Redo", changes=True, palette="Redo", help_with="undo"),
    Action(
        "select",
        "toggle_selected",
        "space",
        LIST,
        "Select",
        help="select this paper / a range (v, move, v) / all listed\nb t r x D e then apply to the selection",
    ),
    Action("select-range", "select_range", "v", LIST, "Select range", help_with="select"),
    # The palette runs it on the main screen, which hands it to the list.
    Action("select-all", "select_all", "asterisk", LIST, "Select all", palette="Select all listed papers", help_with="select"),
    Action(
        "note",
        "note",
        "a",
        label="Note",
        changes=True,
        palette="Edit the note",
        help="write a note on the paper (search it with note:)",
    ),
    Action(
        "related",
        "related",
        "m",
        label="Related",
        footer=9,
        palette="Related papers",
        help="related papers, most alike first, with the words they share",
    ),
    Action(
        "save-search",
        "save_search",
        "s",
        label="Save search",
        changes=True,
        palette="Save this search",
        help="save this search / show a saved search",
    ),
    *(
        Action(f"saved-{n}", f"recall_search({n})", str(n), label=f"Saved search {n}", help_with="save-search")
        for n in range(1, 10)
    ),
    Action("delete-search", "delete_search", changes=True, palette="Delete a saved search…"),
    Action(
        "export",
        "export",
        "e",
        label="Export",
        footer=7,
        palette="Export…",
        help="export this paper, the visible list, the selection or the bookmarks (.bib .md .json .csv)",
    ),
    Action(
        "copy", "copy", "y", label="Copy", palette="Copy…", help="copy: t title, u URL, b BibTeX, m Markdown link, a abstract"
    ),
    Action("copy-title", "copy_item('title')", palette="Copy title"),
    Action("copy-url", "copy_item('url')", palette="Copy arXiv / paper URL"),
    Action("copy-bibtex", "copy_item('bibtex')", palette="Copy BibTeX entry"),
    Action("copy-markdown", "copy_item('markdown')", palette="Copy Markdown link"),
    Action("copy-abstract", "copy_item('abstract')", palette="Copy abstract"),
    Action(
        "open",
        "open_page",
        "o",
        label="Open",
        footer=8,
        palette="Open the paper's page",
        help="open the paper's page (over SSH: show and copy its URL)",
    ),
    Action(
        "pdf",
        "pdf",
        "p",
        label="PDF",
        palette="Download and open the PDF",
        help="download the PDF once into pdfs/, then open it (over SSH: show and copy its path)",
    ),
    Action(
        "fetch",
        "fetch",
        "F",
        label="Fetch",
        changes=True,
        palette="Fetch new papers",
        help="fetch new papers from the feeds; saved searches then show the new ones they match (+3)",
    ),
    Action(
        "command-palette",
        "command_palette",
        "ctrl+p",
        TEXTUAL,
        footer=10,
        help="command palette: every action, view, tag and theme",
    ),
    Action("focus-next", "app.focus_next", "tab", TEXTUAL, help="move between views, list and abstract"),
    Action("focus-previous", "app.focus_previous", "shift+tab", TEXTUAL, help_with="focus-next"),
    Action("help", "help", "question_mark", APP, "Help", footer=1, palette="Help", help="this help"),
    Action("quit", "quit", "q", APP, "Quit", footer=12, help="quit"),
)

# The ids settings.toml's [keys] table may rebind.
BINDING_IDS: frozenset[str] = frozenset(a.id for a in ACTIONS if a.keys and a.on != TEXTUAL)


def footer_rank(action_id: str) -> int:
    """The footer rank of a binding id (reader.actions.Action.footer): 0 for none."""
    return next((a.footer for a in ACTIONS if a.id == action_id and a.footer), 0)


def bound_on(place: str) -> list[Action]:
    """The actions whose keys `place` binds, in order."""
    return [a for a in ACTIONS if a.on == place and a.keys]


def default_keys(action_id: str) -> str:
    """The default keys of a binding id ("" for one the palette alone offers)."""
    return next((a.keys for a in ACTIONS if a.id == action_id and a.keys), "")


def current_keys(action_id: str, rebound: Mapping[str, str]) -> list[str]:
    """The keys of a binding id as the person has them: settings.toml's (`rebound`), else the default."""
    keys = rebound.get(action_id) or default_keys(action_id)
    return keys.split(",") if keys else []


def help_rows() -> list[list[Action]]:
    """The help screen's rows, in order: each a leading action (its `help` is the row's text) and those sharing it."""
    rows: dict[str, list[Action]] = {}
    for action in ACTIONS:
        if action.help is not None:
            rows[action.id] = [action]
        elif action.help_with is not None:
            rows[action.help_with].append(action)
    return list(rows.values())

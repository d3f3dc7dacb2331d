"""Saved searches, a part of the main screen: s saves the search shown, 1-9 recall the first nine.

A saved search is a view of its own in the sidebar (reader.views.Saved);
the palette deletes one. Saving and deleting run on the writer thread.

Saved searches are alerts too: the sidebar shows how many papers fetched since
a search was last opened it matches ("mamba +3", counted at load and after each
fetch); opening it notes that on the writer thread and the count goes.
"""

from __future__ import annotations

from functools import partial

from textual import work
from textual.widgets import Input

from reader.library import LibraryError, StoreError
from reader.screens.base import LibraryScreen
from reader.screens.messages import AlertsCounted, Refused, SearchDeleted, SearchSaved
from reader.screens.pick import Choice, PickScreen
from reader.screens.prompt import PromptScreen
from reader.views import ALL, RelatedTo, Saved


class SavedSearches(LibraryScreen):
    def action_recall_search(self, number: int) -> None:
        names = list(self.saved)
        if number <= len(names):
            name = names[number - 1]
            self.show_view(Saved(name, self.saved[name]))
        else:
            self.notify(f"No saved search {number} (s saves the current search)", timeout=3, markup=False)

    # -- alerts ----------------------------------------------------------------------------

    @work(thread=True, group="alerts")
    def count_alerts(self) -> None:
        try:
            alerts = self.library.search_alerts()
        except (StoreError, LibraryError) as error:
            self.post_message(Refused("Saved search alerts not counted", str(error), "warning"))
            return
        self.post_message(AlertsCounted(alerts))

    def on_alerts_counted(self, counted: AlertsCounted) -> None:
        self.show_alerts(counted.alerts)

    def show_alerts(self, alerts: dict[str, int]) -> None:
        self.alerts = alerts
        self.refresh_views()

    def search_opened(self, name: str) -> None:
        """Saved search `name` is shown: its alert counts from now on."""
        self.alerts.pop(name, None)
        self.writer.write(
            self,
            partial(self.library.mark_search_opened, name),
            lambda _: None,
            lambda error: Refused("Saved search not marked as opened", str(error), "warning"),
            errors=(StoreError, LibraryError),
            group="searches",
        )

    # -- saving and deleting -----------------------------------------------------------------

    def action_save_search(self) -> None:
        if isinstance(self.view, RelatedTo):
            return
        query = self.effective_query()
        if not query:
            self.notify("Type a search first (/), then s saves it", timeout=3, markup=False)
            return

        def save(name: str | None) -> None:
            if name:
                self.writer.write(
                    self,
                    partial(self.library.save_search, name, query),
                    lambda _: SearchSaved(name, query),
                    lambda error: Refused("Search not saved", str(error)),
                    errors=(StoreError, LibraryError),
                    group="searches",
                )

        hint = f"Saves: {query}   ·   1-9 recall the first nine"
        self.app.push_screen(PromptScreen("Save this search as", placeholder="a name", hint=hint), save)

    def on_search_saved(self, saved: SearchSaved) -> None:
        name = saved.name
        self.saved = {**self.saved, name: saved.query}
        position = list(self.saved).index(name) + 1
        self._after_search = f"saved search {name!r}" + (f": press {position} to recall it" if position <= 9 else "")
        search = self.search_box
        with search.prevent(Input.Changed):  # one search, for the view below
            search.value = ""
        self.show_view(Saved(name, saved.query))

    def action_delete_search(self) -> None:
        if not self.saved:
            self.notify("No saved searches (s saves the current search)", timeout=3, markup=False)
            return

        def delete(name: str | None) -> None:
            if name:
                self.writer.write(
                    self,
                    partial(self.library.delete_search, name),
                    lambda _: SearchDeleted(name),
                    lambda error: Refused("Not deleted", str(error)),
                    group="searches",
                )

        choices = [Choice(str(n) if n <= 9 else "", name, name) for n, name in enumerate(self.saved, 1)]
        self.app.push_screen(PickScreen("Delete which saved search?", choices), delete)

    def on_search_deleted(self, deleted: SearchDeleted) -> None:
        name = deleted.name
        self.saved = {n: q for n, q in self.saved.items() if n != name}
        if isinstance(self.view, Saved) and self.view.name == name:
            self.show_view(ALL)
        self.refresh_views()
        self.update_status(f"deleted saved search {name!r}")

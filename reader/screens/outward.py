"""What leaves the app, a part of the main screen: export to a file, copy, open in a browser, the PDF.

Copy and open reach the person's own machine, also over SSH: copying sends
OSC 52 (the terminal, wherever it is, puts the text on its clipboard, or
silently does not), so the status line says what was sent, not that it
worked; where a browser would not reach the person, the URL is shown as a
link and copied instead. A paper's PDF is downloaded (once, into the home's
`pdfs/`) in a thread worker, then opened with the system's viewer, or where
that would not reach the person, its path is shown and copied the same way.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from textual import work

from reader.browser import no_browser_reason, open_file
from reader.export import paper_links, snippet
from reader.export_files import export_target, export_to_file
from reader.library import StoreError
from reader.models import Paper, PaperState
from reader.screens.base import LibraryScreen
from reader.screens.export import ExportRequest, ExportScreen
from reader.screens.messages import Exported, PdfReady, Progress, Refused
from reader.screens.pick import COPY_CHOICES, PickScreen, link_choices
from reader.text import one_line


class Outward(LibraryScreen):
    # -- export ---------------------------------------------------------------------------

    def action_export(self) -> None:
        selected = len(self.papers.selected)
        self.app.push_screen(ExportScreen(str(Path.home() / "reader-export.md"), selected), self._export_chosen)

    def _export_chosen(self, request: ExportRequest | None) -> None:
        if request is None:
            return
        library = self.library
        papers = self.papers
        if request.scope == "selection":
            ids = [pid for pid in papers.ids if pid in papers.selected]
            papers.clear_selection()
        elif request.scope == "paper":
            ids = [papers.current] if papers.current else []
        elif request.scope == "bookmarks":
            ids = [pid for pid in library.papers if library.state_of(pid).bookmarked]
        else:
            ids = list(papers.ids)
        self._write_export(ids, request.path)

    @work(exclusive=False, group="export")
    async def _write_export(self, ids: list[str], path: Path) -> None:
        library = self.library
        home = library.store.home
        try:
            export_target(path, home)  # refused before any key is chosen
            # Keys not yet chosen are saved on the writer thread, in order with other changes.
            pairs = await self.writer.run(lambda: library.keyed(ids))
            count, format = await asyncio.get_running_loop().run_in_executor(None, lambda: export_to_file(pairs, path, home=home))
        except StoreError as error:
            self.post_message(Refused("Export failed", str(error)))
            return
        self.post_message(Exported(count, path, format))

    def on_exported(self, exported: Exported) -> None:
        self.update_status(f"exported {exported.count} papers to {exported.path} ({exported.format})")

    # -- copy -----------------------------------------------------------------------------

    def action_copy(self) -> None:
        if self._current_paper() is not None:
            self.app.push_screen(PickScreen("Copy to the clipboard", COPY_CHOICES), self._copy_chosen)

    def _copy_chosen(self, what: str | None) -> None:
        if what is not None:
            self.action_copy_item(what)

    def action_copy_item(self, what: str) -> None:
        paper_id = self._current_paper()
        if paper_id is None:
            return
        paper, state = self.library.get(paper_id), self.library.state_of(paper_id)
        if what in ("key", "bibtex") and not state.key:
            self._copy_with_key(paper_id, what)  # the key (also the BibTeX entry's) is chosen now, once, and kept
        else:
            self._send_to_clipboard(paper, state, what)

    @work(exclusive=False, group="copy")
    async def _copy_with_key(self, paper_id: str, what: str) -> None:
        """Choosing the first key looks at every paper (~2 s at 100k) and saves the state:
        on the writer thread, in order with other changes, never on the UI thread."""
        library = self.library
        try:
            [(paper, state)] = await self.writer.run(lambda: library.keyed([paper_id]))
        except StoreError as error:
            self.notify(f"Not copied: {error}", title="Could not save the key", severity="error", timeout=15, markup=False)
            return
        self._send_to_clipboard(paper, state, what)

    def _send_to_clipboard(self, paper: Paper, state: PaperState, what: str) -> None:
        label = next(choice.label for choice in COPY_CHOICES if choice.value == what)
        text = snippet(paper, state, what)
        if not text:
            self.notify(f"This paper has no {label}", timeout=3, markup=False)
            return
        self.app.copy_to_clipboard(text)
        shown = one_line(text)
        self.update_status(f"sent {label} to the clipboard: {shown[:60]}{'…' if len(shown) > 60 else ''}")

    # -- open -----------------------------------------------------------------------------

    def action_open_page(self) -> None:
        paper_id = self._current_paper()
        if paper_id is None:
            return
        urls = paper_links(self.library.get(paper_id))
        if not urls:
            self.notify("This paper has no link to open", timeout=3, markup=False)
        elif len(urls) == 1:
            self.open_link(urls[0])
        else:
            self.app.push_screen(PickScreen("Open which link?", link_choices(urls)), self._link_chosen)

    def _link_chosen(self, url: str | None) -> None:
        if url is not None:
            self.open_link(url)

    def open_link(self, url: str) -> None:
        """Open `url` in a browser the person sees; where there is none, show it and copy it."""
        app = self.app
        # In a browser tab (reader serve) open_url opens a tab on the person's machine.
        reason = None if app.is_web else _not_here()
        if reason is None:
            if app.is_web:
                app.open_url(url)
            else:
                self._open_in_browser(url)
            self.update_status(f"asked the browser to open {url}")
            return
        app.copy_to_clipboard(url)
        self.status.link(url, _copied_instead(reason))

    @work(thread=True, group="browser")
    def _open_in_browser(self, url: str) -> None:
        # webbrowser may first run `xdg-settings` and wait for it: not on the UI thread.
        self.app.open_url(url)

    # -- the PDF --------------------------------------------------------------------------

    def action_pdf(self) -> None:
        paper_id = self._current_paper()
        if paper_id is None:
            return
        if any(w.group == "pdf" and not w.is_finished for w in self.workers):
            self.notify("Already downloading a PDF: one at a time", timeout=3, markup=False)
            return
        paper = self.library.get(paper_id)
        self.update_status(f"downloading the PDF of {paper.arxiv_id or paper.id}…")
        self._download_pdf(paper, self.library.store.home)

    @work(thread=True, group="pdf")
    def _download_pdf(self, paper: Paper, home: Path) -> None:
        # The network modules only now: httpx takes a while to import.
        from reader.fetch import run
        from reader.fetch.client import FetchError
        from reader.fetch.pdf import PdfError, download_line, fetch_pdf

        try:
            _, endpoints, client = run.network(home, lambda line: self.post_message(Refused("PDF", line, "warning")))
            with client:
                path, _ = fetch_pdf(
                    client,
                    home,
                    paper,
                    endpoints,
                    lambda done, total: self.post_message(Progress(download_line(paper, done, total))),
                )
        except (PdfError, FetchError) as error:
            self.post_message(Refused("No PDF", one_line(str(error))))
            self.post_message(Progress(f"no PDF: {one_line(str(error))}"))
            return
        self.post_message(PdfReady(path))

    def on_pdf_ready(self, ready: PdfReady) -> None:
        path = ready.path
        # Served to a browser (reader serve), the file is on the server, not the person's machine.
        reason = "served to a browser" if self.app.is_web else _not_here()
        if reason is None:
            self.update_status(open_file(path))  # starts the viewer and returns: no wait
            return
        self.app.copy_to_clipboard(str(path))
        self.update_status(f"{path}{_copied_instead(reason)}")


def _not_here() -> str | None:
    """Why a browser or viewer started here would not reach the person, or None."""
    return no_browser_reason(os.environ, sys.platform)


def _copied_instead(reason: str) -> str:
    return f"  copied ({reason}: not opened here)"

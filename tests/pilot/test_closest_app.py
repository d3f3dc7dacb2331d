"""Closest matches in the app: described in other words than its title, a paper is
listed after a divider; the cursor never lands on the divider; `~` + an abstract
finds the paper it was pasted from."""

import textwrap

import pytest
from textual import events
from textual.widgets import Input
from unit.test_closest import DESCRIBED

from helpers.pilot import abstract_text, list_lines, papers, settle, status
from reader.app import ReaderApp
from reader.related import STOP_WORDS
from reader.screens.main import MainScreen
from reader.search import CLOSEST_MATCHES, closest_divider
from reader.words import words

SOAP = "SOAP: Improving and Stabilizing Shampoo using Adam"


def line_of(app, paper_id: str) -> int:
    """The list line (on screen) that shows the paper's title."""
    title = app.screen.library.get(paper_id).title
    return next(y for y, line in enumerate(list_lines(app)) if title[:20] in line)


async def search(pilot, text: str) -> None:
    await pilot.press("slash", *text)
    await settle(pilot)


async def test_a_description_lists_its_paper_after_the_divider(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await search(pilot, DESCRIBED[SOAP])
        lines = list_lines(app)
        assert CLOSEST_MATCHES in lines[0]  # no paper has every word: the divider comes first
        soap = next(p.id for p in app.screen.library.papers.values() if p.title == SOAP)
        assert soap in papers(app).ids[:3] and 1 <= line_of(app, soap) <= 3
        assert f"no paper has every word: {len(papers(app).ids)} closest matches" in status(app)
        await pilot.press("enter", "k", "g")  # to the list; nothing above the first paper
        assert papers(app).cursor == 0 and line_of(app, papers(app).current) == 1


async def test_closest_rows_highlight_the_words_they_have(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await search(pilot, "shampoo preconditioner zzqx")  # no paper has "zzqx"
        paper_list = papers(app)
        assert paper_list.ids and CLOSEST_MATCHES in list_lines(app)[0]
        row = paper_list.render_line(line_of(app, paper_list.ids[0]))
        marked = [segment.text for segment in row if segment.style and segment.style.underline]
        assert "Shampoo" in marked


async def test_the_cursor_steps_over_the_divider(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await search(pilot, "sentence segmentation punctuation")
        paper_list = papers(app)
        complete = app.screen.result.complete
        assert 0 < complete < len(paper_list.ids)
        await pilot.press("enter", "g", *"j" * (complete - 1))
        last_complete = paper_list.current
        divider = line_of(app, last_complete) + 1
        assert closest_divider(complete) in list_lines(app)[divider]  # says some have every word
        assert CLOSEST_MATCHES not in list_lines(app)[divider]
        await pilot.press("j")  # from the last paper with every word to the first closest match
        assert paper_list.current == paper_list.ids[complete] and line_of(app, paper_list.current) == divider + 1
        await pilot.press("k")
        assert paper_list.current == last_complete
        await pilot.press("G", *"k" * (len(paper_list.ids) - complete - 1), "k")
        assert paper_list.current == last_complete
        assert f"{complete} with every word, then {len(paper_list.ids) - complete} closest matches" in status(app)


async def test_tilde_and_a_pasted_abstract_list_its_paper_first(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        soap = next(p for p in app.screen.library.papers.values() if p.title == SOAP)
        await pilot.press("slash", "~")
        app.screen.query_one("#search", Input).post_message(events.Paste(soap.abstract))
        await settle(pilot)
        assert papers(app).ids[0] == soap.id and line_of(app, soap.id) == 0  # no divider: every one is "like it"
        assert CLOSEST_MATCHES not in " ".join(list_lines(app))
        row = papers(app).render_line(0)
        assert any(segment.style and segment.style.underline for segment in row)  # a shared word, marked


async def test_a_pasted_abstract_keeps_all_its_lines(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        soap = next(p for p in app.screen.library.papers.values() if p.title == SOAP)
        lines = textwrap.wrap(soap.abstract, 60)  # as copied from a PDF: one line per printed line
        await pilot.press("slash", "~")
        app.screen.query_one("#search", Input).post_message(events.Paste("\n".join(lines) + "\n"))
        await settle(pilot)
        assert app.screen.query_one("#search", Input).value == "~" + " ".join(lines)
        assert papers(app).ids[0] == soap.id


async def test_a_paste_into_the_search_box_carries_no_control_sequences(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        app.screen.query_one("#search", Input).post_message(events.Paste("self\x1b[2J\x1b]0;owned\x07-supervised\nlearning"))
        await settle(pilot)
        value = app.screen.query_one("#search", Input).value
        assert "\x1b" not in value and "\x07" not in value and value.endswith("learning")


async def test_a_large_librarys_closest_matches_come_after_a_typing_pause(home, monkeypatch):
    monkeypatch.setattr("reader.search.index.CLOSEST_WAITS_FROM", 1)  # as if 1M papers
    monkeypatch.setattr(MainScreen, "CLOSEST_PAUSE", 3600)  # the test drives the timer itself
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await search(pilot, DESCRIBED[SOAP])
        assert papers(app).ids == () and "closest matches after a pause" in status(app)
        assert app.screen._closest_timer is not None
        app.screen._search_closest()  # the pause is over
        await settle(pilot)
        soap = next(p.id for p in app.screen.library.papers.values() if p.title == SOAP)
        assert soap in papers(app).ids[:3] and CLOSEST_MATCHES in list_lines(app)[0]
        assert "after a pause" not in status(app)


async def paste_search(pilot, text: str) -> None:
    """A query pasted at once: one change of the search box, as a person's paste is."""
    await pilot.press("slash")
    pilot.app.screen.query_one("#search", Input).post_message(events.Paste(text))
    await settle(pilot)


async def test_a_new_query_opens_at_its_best_match(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        query = DESCRIBED[SOAP]
        ranked = app.screen.library.search(query).ids
        assert papers(app).move_to(ranked[7])  # the cursor on the new list's 8th best, before the search
        await paste_search(pilot, query)
        assert papers(app).ids[:8] == ranked[:8]
        assert papers(app).cursor == 0
        lines = list_lines(app)
        assert CLOSEST_MATCHES in lines[0] and line_of(app, ranked[0]) == 1  # the top, and the divider, shown


def marked_in_rows(app) -> list[str]:
    """The words the list marks (underlines) in the rows on screen."""
    paper_list = papers(app)
    marked = []
    for y in range(paper_list.size.height):
        for segment in paper_list.render_line(y):
            if segment.style and segment.style.underline:
                marked += words(segment.text)
    return marked


def marked_in_abstract(app) -> list[str]:
    """The words the abstract pane marks (bold reverse) in the title and abstract."""
    text = app.screen.query_one("#abstract-body").render()
    return [w for span in text.spans if getattr(span.style, "reverse", False) for w in words(text.plain[span.start : span.end])]


TABULAR = "a neural network that beats gradient boosted trees on spreadsheet-like data"


async def test_closest_matches_mark_only_the_words_that_counted(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await paste_search(pilot, TABULAR)
        assert CLOSEST_MATCHES in list_lines(app)[0]
        counted = [w for w in words(TABULAR) if w not in STOP_WORDS]
        rows, abstract = marked_in_rows(app), marked_in_abstract(app)
        assert rows and abstract
        for word in rows + abstract:  # no "A", "That", "and", no "Augmentation" for "a", "Online" for "on"
            assert word not in STOP_WORDS and any(word[:3] == w[:3] for w in counted), word
        assert {"boosted", "trees"} <= set(abstract)  # the pane marks the query's words in the abstract too


async def test_tilde_shows_the_words_each_paper_shares_with_the_text(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pasted_from = next(p for p in app.screen.library.papers.values() if p.title.startswith("TabPFN"))
        await paste_search(pilot, "~" + pasted_from.abstract)
        said = abstract_text(app).splitlines()[0]  # as related papers (m) say it
        assert said.startswith("related: ") and "% alike · shares " in said
        shared = said.split(" · shares ")[1].split(", ")
        assert shared and set(shared) <= set(words(pasted_from.abstract)) and set(shared) <= set(marked_in_abstract(app))
        pasted = set(words(pasted_from.abstract)) - STOP_WORDS
        for row in range(1, papers(app).size.height):
            line = papers(app).render_line(row)
            marked = {w for segment in line if segment.style and segment.style.underline for w in words(segment.text)}
            in_both = {w for w in words(line.text) if w in pasted and len(w) > 1 and not w.isdigit()}
            assert in_both <= marked, line.text  # every word of its title on screen the pasted text has too


async def test_the_typing_pause_before_closest_matches_counts_from_the_keystroke(home, monkeypatch):
    # At a million papers the typed search took a good part of the pause, and the pause
    # then began again once its list was shown: the closest matches came that much later.
    monkeypatch.setattr("reader.search.index.CLOSEST_WAITS_FROM", 1)  # as if 1M papers
    clock = [100.0]
    monkeypatch.setattr("reader.screens.main.monotonic", lambda: clock[0])
    waits = []
    app = ReaderApp(home=home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        set_timer = screen.set_timer

        def timed(delay, callback, *args, **kwargs):
            if callback == screen._search_closest:
                waits.append(delay)
                delay = 3600  # the test looks at the delay asked for
            return set_timer(delay, callback, *args, **kwargs)

        monkeypatch.setattr(screen, "set_timer", timed)
        run_search = screen.run_search

        def searched_slowly():
            run_search()
            clock[0] += 0.3  # the search takes 0.3 s of the pause

        monkeypatch.setattr(screen, "run_search", searched_slowly)
        await search(pilot, DESCRIBED[SOAP])
        assert "closest matches after a pause" in status(app)
    assert waits and waits[-1] == pytest.approx(MainScreen.CLOSEST_PAUSE - 0.3)

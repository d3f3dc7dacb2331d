"""Reading what the app shows, for the tests that drive it with Pilot (`App.run_test`)."""

import io

from rich.console import Console

from reader.widgets.paper_list import PaperList


async def settle(pilot) -> None:
    """Let loading, searching and saving finish (each may start the next)."""
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def papers(app) -> PaperList:
    return app.screen.query_one(PaperList)


def abstract_text(app) -> str:
    return str(app.screen.query_one("#abstract-body").render())


def status(app) -> str:
    return str(app.screen.query_one("#status").render())


def notices(app) -> str:
    """Every notification raised so far, shown or already gone."""
    return " ".join(str(n.message) for n in app._notifications)


def toasts(app) -> str:
    """The notifications on screen now."""
    return " ".join(str(toast.render()) for toast in app.screen.query("Toast"))


def list_lines(app) -> list[str]:
    """The paper list's lines on screen, as text."""
    paper_list = papers(app)
    return [paper_list.render_line(y).text for y in range(paper_list.size.height)]


def screen_lines(app) -> list[str]:
    """The screen as the terminal shows it, line by line."""
    console = Console(file=io.StringIO(), width=app.size.width, height=app.size.height, record=True)
    console.print(app.screen._compositor.render_full_update())
    return console.export_text().splitlines()


def seen_in(widget) -> str:
    """What the screen shows of `widget`'s content now: its scrolled-to rows, without the scrollbar."""
    region = widget.scrollable_content_region
    lines = screen_lines(widget.app)[region.y : region.bottom]
    return "\n".join(line[region.x : region.right].rstrip() for line in lines)

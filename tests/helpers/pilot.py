"""Reading what the app shows, for the tests that drive it with Pilot (`App.run_test`)."""

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

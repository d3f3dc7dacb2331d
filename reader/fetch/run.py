"""Fetch, add and enrich: requests made one after another, each answer imported as
it arrives, so a run broken off (Ctrl+C, a lost connection, a closed laptop)
keeps what it got, and the next run goes on from there (see ledger).

Each takes `progress(line)`, told a short line before each request (the CLI
prints it on stderr, the app in its status line, from the worker thread that
runs this), and `cancelled()`, asked between requests (the app's worker being
cancelled): both optional. Nothing here prints.

A feed that fails (the host unreachable, an answer that is not what it should
be) stops with one line saying why, and the others still run: `FetchReport.status`
is 0 when every feed finished, 1 when one failed, 2 when nothing was reachable.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path

from reader.fetch import ledger, sources
from reader.fetch.client import Client, FetchError, Response, Validators
from reader.fetch.endpoints import Endpoints, endpoints
from reader.fetch.inputs import ARXIV, Wanted, parse_input
from reader.fetch.sources import Batch, SourceError
from reader.importing import ImportReport
from reader.library import Library
from reader.models import Paper
from reader.settings import Feed, load_feeds, settings_path

Progress = Callable[[str], object]
Cancelled = Callable[[], bool]

DAYS = 7  # how far back a feed goes the first time, or after a long pause
ARXIV_PAGES = 50  # pages of one category in one run, at most: 10,000 papers
ENRICH_BATCH = 20  # matches imported together (a title search is one 3 s request each)


def today() -> date:
    """The day a fetch counts as today: the person's own (a day's papers are fetched again
    on the next run anyway, so a zone apart from the service's costs nothing)."""
    return date.today()


def client_for(home: Path, endpoints: Endpoints, note: Callable[[str], object] | None = None) -> Client:
    """The client a run uses: the home's validators (`note` hears of a damaged cache), arXiv's pace."""
    return Client(validators=Validators(home, note), paced=endpoints.paced)


def network(home: Path, note: Callable[[str], object]) -> tuple[tuple[Feed, ...], Endpoints, Client]:
    """The feeds and endpoints the home's settings and the environment give, and a
    client: what the CLI and the app both start from. `note` hears each problem
    with the settings (the default is used instead) and a damaged cache."""
    feeds, urls, problems = load_feeds(settings_path(home))
    chosen, more = endpoints(urls)
    for problem in problems + more:
        note(problem)
    return feeds, chosen, client_for(home, chosen, note=note)


# --- feeds -------------------------------------------------------------------------


@dataclass
class FeedReport:
    feed: str
    requests: int = 0  # days asked for (hf) or pages (arXiv)
    new: int = 0
    merged: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)  # records skipped, said one line each
    failure: str | None = None  # why the feed stopped short
    reached: bool = True  # False: its host could not be reached at all
    new_ids: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"{self.requests} day{'s' if self.requests != 1 else ''}"] if self.feed == "hf" else []
        parts.append(f"{self.new} new")
        if self.merged:
            parts.append(f"{self.merged} merged")
        if self.failure:
            parts.append("stopped short")
        return f"{self.feed}: {', '.join(parts)}"

    def add(self, report: ImportReport) -> None:
        self.new += report.new
        self.merged += report.merged
        self.unchanged += report.unchanged
        self.new_ids += report.new_ids
        self.problems += [str(problem) for problem in report.problems]


@dataclass
class FetchReport:
    feeds: list[FeedReport]
    alerts: dict[str, int]  # saved search -> papers new since it was last opened (those > 0)
    requests: int  # HTTP requests sent
    not_modified: int  # of which answered 304

    @property
    def status(self) -> int:
        failed = [f for f in self.feeds if f.failure]
        if failed and len(failed) == len(self.feeds) and not any(f.reached for f in failed):
            return 2
        return 1 if failed else 0

    def summary(self) -> str:
        """`hf: 3 days, 41 new; arxiv cs.CL: 212 new, 3 merged`."""
        return "; ".join(feed.line() for feed in self.feeds)


def fetch(
    library: Library,
    feeds: Sequence[Feed],
    client: Client,
    endpoints: Endpoints,
    today: date,
    *,
    days: int = DAYS,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> FetchReport:
    """Fetch each feed since it was last fetched (at most `days` back from `today`,
    which counts as one of them), importing each day or page as it arrives."""
    say = progress or (lambda _line: None)
    stop = cancelled or (lambda: False)
    reports = []
    for feed in feeds:
        if stop():
            break
        report = FeedReport(feed.name)
        reports.append(report)
        try:
            if feed.source == "hf":
                _hf(library, client, endpoints, today, days, report, say, stop)
            else:
                _arxiv(library, client, endpoints, feed, today, days, report, say, stop)
        except (FetchError, SourceError) as error:
            report.failure = str(error)
            report.reached = getattr(error, "reached", True) or report.requests > 0
    return FetchReport(reports, library.search_alerts(), client.requests, client.not_modified)


def _first_day(library: Library, feed: str, today: date, days: int) -> date:
    """The first day to fetch: where the feed got to last time, at most `days` back."""
    first = today - timedelta(days=max(days, 1) - 1)
    try:
        reached = ledger.through(library.store, feed)
        return min(today, max(first, date.fromisoformat(reached))) if reached else first
    except ValueError:
        return first  # not a date: the file was edited by hand; go back `days`


def _hf(
    library: Library,
    client: Client,
    endpoints: Endpoints,
    today: date,
    days: int,
    report: FeedReport,
    say: Progress,
    stop: Cancelled,
) -> None:
    first = _first_day(library, "hf", today, days)
    count = (today - first).days + 1
    for n in range(count):
        if stop():
            return
        day = (first + timedelta(days=n)).isoformat()
        say(f"hf: {day} ({n + 1} of {count}), {report.new} new so far")
        batch = sources.hf_day(client, endpoints, day)
        report.requests += 1
        arrived = _import(library, batch, report)
        client.remember(batch.response)
        ledger.note(library.store, "hf", reached=day, arrived=arrived, finished=n == count - 1)


def _arxiv(
    library: Library, client: Client, endpoints: Endpoints, feed: Feed, today: date, days: int,
    report: FeedReport, say: Progress, stop: Cancelled,
) -> None:  # fmt: skip
    """Page the category newest first until the papers are older than the first day.

    The validators of its pages are kept only once the paging is complete: then a
    304 for the first page means nothing was submitted since, and the paging
    stops there. A paging broken off is asked again in full."""
    first = _first_day(library, feed.name, today, days).isoformat()
    size = sources.ARXIV_PAGE
    newest: str | None = None
    answered: list[Response] = []
    for page in itertools.count():
        if stop():
            return
        if page >= ARXIV_PAGES:
            report.problems.append(f"{feed.name}: stopped after {page * size} papers; the rest come next time")
            return
        say(f"{feed.name}: page {page + 1}, {report.new} new so far")
        batch = sources.arxiv_search(client, endpoints, f"cat:{feed.category}", page * size, size, feed.name)
        report.requests += 1
        if batch.response.not_modified:
            break
        answered.append(batch.response)
        recent = [p for p in batch.papers if (p.published or "") >= first]
        _import(library, Batch(batch.response, recent, batch.problems), report, feed.name)
        newest = max([newest or "", *(p.published or "" for p in recent)]) or None
        if not batch.papers and (batch.total or 0) > page * size:
            raise SourceError(
                f"{feed.name}: arXiv answered an empty page {page + 1} of {batch.total} results "
                "(it does at busy times); try again later"
            )
        if len(recent) < len(batch.papers) or len(batch.papers) < size or (batch.total or 0) <= (page + 1) * size:
            break
    for response in answered:
        client.remember(response)
    reached = max(newest or "", ledger.through(library.store, feed.name) or "") or None
    ledger.note(library.store, feed.name, reached=reached, finished=True)


def _import(library: Library, batch: Batch, report: FeedReport, feed: str | None = None) -> list[str]:
    """Import a batch's papers; the ids of those that were new (noted as arrivals if `feed`)."""
    report.problems += [str(problem) for problem in batch.problems]
    if not batch.papers:
        return []
    imported = library.import_records(batch.papers)
    report.add(imported)
    if feed is not None:
        ledger.note(library.store, feed, arrived=imported.new_ids)
    return imported.new_ids


# --- add -------------------------------------------------------------------------


@dataclass
class Added:
    text: str  # as the person gave it
    paper_id: str | None = None
    title: str = ""
    new: bool = False
    problem: str | None = None


@dataclass
class AddReport:
    added: list[Added]
    imported: ImportReport

    @property
    def status(self) -> int:
        return 1 if any(a.problem for a in self.added) else 0


def add(
    library: Library, client: Client, endpoints: Endpoints, texts: Sequence[str], *, progress: Progress | None = None
) -> AddReport:
    """The papers `texts` name (see reader.fetch.inputs), fetched and imported: arXiv
    ids in one request per 100, DOIs one each. Each input gets a result or a problem."""
    say = progress or (lambda _line: None)
    results = [Added(text) for text in texts]
    wanted: dict[Wanted, list[Added]] = {}
    for result in results:
        target = parse_input(result.text)
        if target is None:
            result.problem = "not an arXiv id, an arXiv or Hugging Face paper URL, or a DOI"
        else:
            wanted.setdefault(target, []).append(result)
    imported = ImportReport()
    arxiv = [w for w in wanted if w.kind == ARXIV]
    for start in range(0, len(arxiv), sources.ARXIV_IDS_PER_REQUEST):
        chunk = arxiv[start : start + sources.ARXIV_IDS_PER_REQUEST]
        say(f"arXiv: {len(chunk)} paper{'s' if len(chunk) > 1 else ''}")
        found = _fetched(partial(sources.arxiv_ids, client, endpoints, [w.key for w in chunk], "arxiv by id"), chunk, wanted)
        papers = {p.arxiv_id: p for p in found.papers} if found else {}
        _settle(library, [(w, papers.get(w.key)) for w in chunk], wanted, imported, "arXiv has no such paper")
    for target in (w for w in wanted if w.kind != ARXIV):
        say(f"doi.org: {target.key}")
        found = _fetched(partial(sources.doi, client, endpoints, target.key), [target], wanted)
        _settle(
            library, [(target, found.papers[0] if found and found.papers else None)], wanted, imported, "no paper in its record"
        )
    return AddReport(results, imported)


def _fetched(get: Callable[[], Batch], targets: Sequence[Wanted], wanted: dict[Wanted, list[Added]]) -> Batch | None:
    try:
        return get()
    except (FetchError, SourceError) as error:
        for target in targets:
            for result in wanted[target]:
                result.problem = str(error)
        return None


def _settle(
    library: Library,
    found: list[tuple[Wanted, Paper | None]],
    wanted: dict[Wanted, list[Added]],
    imported: ImportReport,
    missing: str,
) -> None:
    """Import what was found; tell each input what became of it."""
    papers = [paper for _, paper in found if paper is not None]
    report = library.import_records(papers) if papers else ImportReport()
    for name in ("new", "merged", "unchanged"):
        setattr(imported, name, getattr(imported, name) + getattr(report, name))
    imported.new_ids += report.new_ids
    imported.problems += report.problems
    for target, paper in found:
        for result in wanted[target]:
            if result.problem:
                continue
            if paper is None:
                result.problem = missing
                continue
            result.paper_id = library.resolve(paper.id)
            result.title = library.get(result.paper_id).title
            result.new = result.paper_id in report.new_ids


# --- enrich ----------------------------------------------------------------------


@dataclass
class EnrichReport:
    matched: list[tuple[str, str]] = field(default_factory=list)  # (paper id, arXiv id)
    unmatched: list[str] = field(default_factory=list)  # paper ids
    failure: str | None = None


def enrich(
    library: Library,
    client: Client,
    endpoints: Endpoints,
    query: str = "",
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> EnrichReport:
    """Papers known only by their title (no arXiv id), among those `query` finds
    (all when empty), get the arXiv paper of exactly that title: its id, authors,
    dates, categories and links, merged in as an import merges. The person's state
    is keyed by the paper's id, which never changes: it is not touched."""
    say = progress or (lambda _line: None)
    stop = cancelled or (lambda: False)
    ids = library.search(query).ids if query.strip() else tuple(library.papers)
    candidates = [library.get(pid) for pid in ids if not library.get(pid).arxiv_id]
    report, pending = EnrichReport(), []
    try:
        for n, paper in enumerate(candidates, 1):
            if stop():
                break
            say(f"arXiv: title {n} of {len(candidates)}, {len(report.matched)} matched so far")
            found = sources.arxiv_title(client, endpoints, paper.title, "arxiv by title")
            if found is None:
                report.unmatched.append(paper.id)
                continue
            report.matched.append((paper.id, found.arxiv_id or ""))
            pending.append(found)
            if len(pending) >= ENRICH_BATCH:
                library.import_records(pending)
                pending = []
    except (FetchError, SourceError) as error:
        report.failure = str(error)
    if pending:
        library.import_records(pending)
    return report

"""Command line: parse arguments, call the library, print. The app is imported only for `open`."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reader import export, ingest, recovery
from reader.browser import open_file
from reader.export_files import export_format, export_target, export_to_file
from reader.files import StoreError, resolve_home, tell_lock_waits
from reader.importing import ImportReport
from reader.library import NOTHING_REMOVABLE, Library, LibraryError, normalise_tag
from reader.query import asks_similar
from reader.search import SearchResult, closest_divider
from reader.settings import Feed

if TYPE_CHECKING:
    from reader.fetch.client import Client
    from reader.fetch.endpoints import Endpoints
from reader.store import LIBRARY_FILE, Store
from reader.tex import tex_to_text
from reader.text import CleanedStream, encodable, inert, inert_json, one_line, plural


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reader", description="Triage research papers in the terminal.")
    parser.add_argument(
        "--home", metavar="DIR", help="where the library and state live (default: $READER_HOME or the user data folder)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("open", help="open the app (the default)")

    imp = commands.add_parser("import", help="import paper listings (files or folders)")
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    imp.add_argument("--format", choices=ingest.format_names(), help="skip detection and read every file as this format")

    search = commands.add_parser("search", help="search the library (empty query lists everything)")
    search.add_argument("query", nargs="*", help="query (syntax: README, or ? in the app)")
    search.add_argument("--limit", type=_count, default=20, help="at most this many results (0: all; default 20)")
    search.add_argument("--json", action="store_true", help="one JSON object per line")

    exp = commands.add_parser("export", help="write the papers a query finds (all when empty)")
    exp.add_argument("query", nargs="*", help="query (e.g. is:bookmarked)")
    exp.add_argument(
        "--format",
        choices=list(export.FORMATS),
        help="default: from -o's suffix (.bib .csl.json .ris .md .json .csv), else markdown",
    )
    exp.add_argument("-o", "--output", metavar="FILE", help="write this regular file instead of stdout (-: stdout)")

    remove = commands.add_parser("remove", help="remove the papers a query finds from the library (reader undo puts them back)")
    remove.add_argument("query", nargs="*", help="query; with src:NAME, only papers that came from NAME alone")
    remove.add_argument("--demo", action="store_true", help="remove the bundled demo papers")
    remove.add_argument(
        "--yes", action="store_true", help=f"do not ask (needed for more than {ASK_ABOVE} paper when not on a terminal)"
    )

    commands.add_parser("undo", help="take back the latest change (a removal, a tag, ...), the app's too")
    commands.add_parser("redo", help="do again what the latest undo took back")

    key = commands.add_parser("key", help="print a paper's citation key, or give it another")
    key.add_argument("id")
    key.add_argument("new_key", nargs="?", metavar="NEWKEY", help="the key to use from now on")

    bookmark = commands.add_parser("bookmark", help="bookmark a paper")
    bookmark.add_argument("id")
    bookmark.add_argument("--remove", action="store_true", help="remove the bookmark instead")

    tag = commands.add_parser("tag", help="add tags to a paper")
    tag.add_argument("id")
    tag.add_argument("tags", nargs="+", metavar="TAG")

    untag = commands.add_parser("untag", help="remove tags from a paper")
    untag.add_argument("id")
    untag.add_argument("tags", nargs="+", metavar="TAG")

    read = commands.add_parser("read", help="mark a paper read")
    read.add_argument("id")
    read.add_argument("--unread", action="store_true", help="mark it unread instead")

    stats = commands.add_parser("stats", help="counts: papers, unread, bookmarked, per tag, per source, decided per day")
    stats.add_argument("--json", action="store_true", help="one JSON object")

    fetch = commands.add_parser(
        "fetch", help="fetch new papers from the feeds in settings.toml (default: Hugging Face's daily papers)"
    )
    fetch.add_argument(
        "--days", type=_positive, default=7, metavar="N", help="go back at most N days, today included (default 7)"
    )
    fetch.add_argument(
        "--feed",
        action="append",
        metavar="NAME",
        help="only this feed: hf, arxiv (all categories) or a category such as cs.CL; repeatable",
    )
    fetch.add_argument("--quiet", action="store_true", help="print only problems (for cron); the exit status says how it went")

    add = commands.add_parser("add", help="add papers by arXiv id, arXiv or Hugging Face URL, or DOI")
    add.add_argument(
        "inputs",
        nargs="+",
        metavar="ID_OR_URL",
        help="2306.13575, https://arxiv.org/abs/..., https://huggingface.co/papers/..., doi:10.1145/...",
    )

    enrich = commands.add_parser("enrich", help="find the arXiv record of papers known only by title (exact title match)")
    enrich.add_argument("query", nargs="*", help="only the papers this query finds (default: all without an arXiv id)")

    pdf = commands.add_parser("pdf", help="download a paper's PDF into the home's pdfs/ folder and open it")
    pdf.add_argument("id")
    pdf.add_argument("--no-open", action="store_true", help="only print where it is")

    commands.add_parser("compact", help="merge the segments a day's import adds (library.d/) into library.json")

    recover = commands.add_parser("recover", help="after a 'damaged' error: put the last good backup back")
    recover.add_argument("--empty", action="store_true", help="with no good backup, start that file afresh")

    serve = commands.add_parser("serve", help="serve the app to a web browser (textual-serve)")
    serve.add_argument("--port", type=int, default=8000, help="default 8000")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--sessions", type=int, default=8, help="most browser tabs at once, each an app process (default 8)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    tell_lock_waits(lambda message: print(f"reader: {one_line(message)}", file=sys.stderr, flush=True))
    try:
        if args.command in (None, "open"):
            return open_app(args.home)
        if args.command == "recover":
            return cmd_recover(args)
        if args.command == "serve":
            from reader.serve import serve

            return serve(args.home, host=args.host, port=args.port, sessions=args.sessions)
        seed = args.command not in BRINGS_PAPERS
        if args.command in STATE_ONLY:
            library = Library.open_for_state(args.home, seed=seed)
        else:
            library = Library.open(args.home, seed=seed)
        if library.seeded:
            print(f"reader: new home {library.store.home}: {library.demo_note()}", file=sys.stderr)
        try:
            return COMMANDS[args.command](library, args)
        finally:
            for warning in library.take_warnings():
                print(f"reader: warning: {one_line(warning)}", file=sys.stderr)
    except (StoreError, LibraryError) as error:
        print(f"reader: {one_line(str(error))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `reader search | head`: the reader of our output left
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number, 0 or more")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days, 1 or more")
    return int(text)


def cmd_recover(args: argparse.Namespace) -> int:
    for line in recovery.recover(Store(resolve_home(args.home)), empty=args.empty):
        print(one_line(line))
    return 0


FRAMES_PER_SECOND = "120"
"""Textual's cap on frames (its default 60), read when Textual is imported. A frame
is written only when something changed, at most once per 1/cap seconds after the
last: a search's list coming a few ms after the keystroke's own frame (the typed
letter) waited up to 17 ms for its turn, 8 at 120 (100k papers: the list's p95 wait
12.7 ms, then 6.8). A person's own TEXTUAL_FPS is kept."""


def open_app(home: str | None) -> int:
    os.environ.setdefault("TEXTUAL_FPS", FRAMES_PER_SECOND)
    from reader.app import ReaderApp

    ReaderApp(home=home).run()
    return 0


def cmd_import(library: Library, args: argparse.Namespace) -> int:
    progress = _progress_bar if sys.stderr.isatty() else None
    # Index now, while the person expects to wait: the index is cached in the home,
    # so the app's next start reads it instead of building it (~5 s at 100k papers).
    report = library.import_paths(args.paths, args.format, progress, index=True)
    if progress:
        print(file=sys.stderr)
    print(report.summary())
    for problem in report.problems:
        print(f"problem: {one_line(str(problem))}", file=sys.stderr)
    return 1 if _failed(report) else 0


def _failed(report: ImportReport) -> bool:
    """Whole files that could not be read, or nothing read at all, are failures;
    a bad record inside a good file is reported but does not fail the import."""
    return report.records == 0 or any(p.position is None for p in report.problems)


def _progress_bar(done: int, total: int, records: int, step: str) -> None:
    width = 20
    filled = width * done // total if total else width
    bar = "#" * filled + "-" * (width - filled)
    after = f"; {step}…" if step else ""
    line = f"[{bar}] {100 * done // total if total else 100:3d}%  {plural(records, 'paper')} read{after}"
    # One row, else \r goes back only to the row it wrapped to; erased to its end, as
    # a step's words can be fewer than the last's.
    print(
        f"\r{line[: _stderr_columns() - 1]}\x1b[K",
        end="",
        file=sys.stderr,
        flush=True,
    )


def _stderr_columns() -> int:
    """The width of the terminal the progress bar goes to (stdout may be a file)."""
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        return 80


def _matches(
    library: Library, words: list[str], limit: int | None, none_found: str, *, complete_only: bool = False
) -> SearchResult | int:
    """The query's result, or the exit status after saying why there is none.
    `complete_only`: closest matches (some words missing) do not count."""
    result = library.search(" ".join(words), limit=limit)
    if result.error:
        print(f"reader: {one_line(result.error)}", file=sys.stderr)
        return 2
    if not (result.complete if complete_only else result.ids):
        print(f"reader: {none_found}", file=sys.stderr)
        return 1
    return result


def cmd_search(library: Library, args: argparse.Namespace) -> int:
    result = _matches(library, args.query, args.limit or None, "no papers match")
    if isinstance(result, int):
        return result
    by_words = not asks_similar(result.query)
    for place, (paper_id, score) in enumerate(zip(result.ids, result.scores, strict=True)):
        paper, state = library.get(paper_id), library.state_of(paper_id)
        if args.json:
            record = {
                "id": paper_id,
                "title": paper.title,  # as stored (TeX and all): what `id:` and exports work from
                "title_text": tex_to_text(paper.title),
                "upvotes": paper.upvotes,
                "score": round(score, 3),
                "bookmarked": state.bookmarked,
                "read": state.read,
                "tags": list(state.tags),
            }
            if by_words:
                record["all_words"] = place < result.complete
            print(inert_json(record))
        else:
            if place == result.complete:
                print(f"-- {closest_divider(result.complete)} --")
            marks = ("*" if state.bookmarked else " ") + (" " if state.read else "N")
            tags = f"  [{one_line(' '.join(state.tags))}]" if state.tags else ""
            votes = f"  ▲ {paper.upvotes}" if paper.upvotes is not None else ""
            # Rendered as the app's list renders it: `{GPT}-4` is TeX, not the title a person reads.
            print(f"{one_line(paper_id):<24} {marks} {one_line(tex_to_text(paper.title))}{votes}{tags}")
    return 0


def cmd_export(library: Library, args: argparse.Namespace) -> int:
    result = _matches(library, args.query, None, "no papers match; nothing exported", complete_only=True)
    if isinstance(result, int):
        return result
    if args.output not in (None, "-"):
        # Refused before any key is chosen.
        export_target(Path(args.output), library.store.home)
        export_format(Path(args.output), args.format)
    pairs = library.keyed(result.ids[: result.complete])
    if args.output in (None, "-"):
        # A terminal acts on escapes in a title (OSC 52 writes the clipboard);
        # a pipe gets the text as it is, for the program reading it.
        clean = inert if sys.stdout.isatty() else encodable
        export.FORMATS[args.format or "markdown"](pairs, CleanedStream(sys.stdout, clean))
        return 0
    count, name = export_to_file(pairs, Path(args.output), args.format, home=library.store.home)
    print(f"{plural(count, 'paper')} written to {args.output} ({name})", file=sys.stderr)
    return 0


def cmd_key(library: Library, args: argparse.Namespace) -> int:
    paper_id = library.resolve(args.id)
    if args.new_key is None:
        [(_, state)] = library.keyed([paper_id])
        print(one_line(state.key or ""))
    else:
        print(one_line(library.rename_key(paper_id, args.new_key)))
    return 0


def cmd_bookmark(library: Library, args: argparse.Namespace) -> int:
    paper_id = library.resolve(args.id)
    library.bookmark([paper_id], not args.remove)
    print(one_line(f"{paper_id}: {'bookmarked' if library.state_of(paper_id).bookmarked else 'not bookmarked'}"))
    return 0


def cmd_tag(library: Library, args: argparse.Namespace) -> int:
    paper_id = library.resolve(args.id)
    had = library.state_of(paper_id).tags
    if args.command == "tag":
        library.tag([paper_id], add=args.tags)
    else:
        library.tag([paper_id], remove=args.tags)
    tags = library.state_of(paper_id).tags
    print(one_line(f"{paper_id}: tags {' '.join(tags) or '(none)'}"))
    missing = [tag for tag in args.tags if normalise_tag(tag) not in had] if args.command == "untag" else []
    for tag in missing:
        print(one_line(f"reader: {paper_id} had no tag {normalise_tag(tag) or repr(tag)}"), file=sys.stderr)
    return 1 if missing and tags == had else 0


def cmd_read(library: Library, args: argparse.Namespace) -> int:
    paper_id = library.resolve(args.id)
    library.mark_read([paper_id], not args.unread)
    print(one_line(f"{paper_id}: {'read' if library.state_of(paper_id).read else 'unread'}"))
    return 0


ASK_ABOVE = 1  # papers a removal takes without asking
BRINGS_PAPERS = ("import", "fetch", "add")  # into a new home: what was asked for, without the demo
# They change one paper's state and read no paper: at 1M papers, loading the library
# for them took 4.9 s and 3.4 GB (see Library.open_for_state).
STATE_ONLY = ("bookmark", "tag", "untag", "read")


def cmd_remove(library: Library, args: argparse.Namespace) -> int:
    if args.demo == bool(args.query):
        print("reader: remove takes a query or --demo (one of them)", file=sys.stderr)
        return 2
    if args.demo:
        ids = library.demo_papers()
    else:
        result = _matches(library, args.query, None, "no papers match; nothing removed")
        if isinstance(result, int):
            return result
        ids = library.removable(result.ids, " ".join(args.query))
    if not ids:
        print(f"reader: {NOTHING_REMOVABLE}", file=sys.stderr)
        return 1
    if len(ids) > ASK_ABOVE and not args.yes and not _agreed(library, ids):
        return 1
    library.remove(ids)
    print(f"{plural(len(ids), 'paper')} removed (reader undo puts them back)")
    return 0


def _agreed(library: Library, ids: list[str]) -> bool:
    """Asked on a terminal; elsewhere (a script) --yes is the answer."""
    if not sys.stdin.isatty():
        print(f"reader: this removes {plural(len(ids), 'paper')}; add --yes to remove them", file=sys.stderr)
        return False
    for paper_id in ids[:10]:
        print(f"  {one_line(paper_id):<24} {one_line(library.get(paper_id).title)}")
    if len(ids) > 10:
        print(f"  … {len(ids) - 10} more")
    if input(f"Remove {plural(len(ids), 'paper')}? (reader undo puts them back) [y/N] ").strip().lower() in ("y", "yes"):
        return True
    print("nothing removed")
    return False


def cmd_undo(library: Library, args: argparse.Namespace) -> int:
    entry = library.undo() if args.command == "undo" else library.redo()
    if entry is None:
        print(f"reader: nothing to {args.command}", file=sys.stderr)
        return 1
    papers = plural(len(entry.before.keys() | entry.removed.keys()), "paper")
    print(one_line(f"{args.command}ne: {entry.said or 'a change'} ({papers})"))
    return 0


def cmd_compact(library: Library, args: argparse.Namespace) -> int:
    merged = library.compact()
    print(
        f"{plural(merged, 'segment')} merged into {LIBRARY_FILE}" if merged else "nothing to merge: the library has no segments"
    )
    return 0


def cmd_stats(library: Library, args: argparse.Namespace) -> int:
    counts = library.view_counts()
    tags = library.tag_counts().most_common()
    sources = library.source_counts().most_common()
    days = sorted(library.decided_per_day().items(), reverse=True)
    if args.json:
        print(inert_json({**counts, "tags": dict(tags), "sources": dict(sources), "decided_per_day": dict(days)}))
        return 0
    for name in ("all", "inbox", "unread", "bookmarked"):
        print(f"{'papers' if name == 'all' else name:<12}{counts[name]:>8}")
    for title, rows in (("tags", tags), ("sources", sources), ("decided per day", days)):
        print(f"\n{title}" + ("" if rows else ": none"))
        for name, n in rows[:30]:
            print(f"  {one_line(name):<40}{n:>8}")
        if len(rows) > 30:
            print(f"  … {len(rows) - 30} more (--json lists all)")
    return 0


# --- the network ------------------------------------------------------------------


def _network(library: Library) -> tuple[tuple[Feed, ...], Endpoints, Client]:
    """The feeds and endpoints the settings and the environment give, and a client.
    (The network modules are imported only by the commands that use them: httpx
    alone takes longer to import than a search.)"""
    from reader.fetch import run

    return run.network(library.store.home, lambda line: print(f"reader: warning: {one_line(line)}", file=sys.stderr))


def _say_progress(enabled: bool) -> Callable[[str], object] | None:
    """A progress line rewritten in place on a terminal's stderr, or None."""
    if not (enabled and sys.stderr.isatty()):
        return None
    return lambda line: print(f"\r{one_line(line)[:100]}\x1b[K", end="", file=sys.stderr, flush=True)


def _end_progress(progress: Callable[..., object] | None) -> None:
    if progress is not None:
        print("\r\x1b[K", end="", file=sys.stderr, flush=True)


def cmd_fetch(library: Library, args: argparse.Namespace) -> int:
    from reader.fetch import run

    feeds, chosen, client = _network(library)
    if args.feed:
        wanted = set(args.feed)
        picked = tuple(f for f in feeds if {f.name, f.source, f.category} & wanted)
        if not picked:
            print(f"reader: no feed {', '.join(args.feed)}; the feeds are: {', '.join(f.name for f in feeds)}", file=sys.stderr)
            return 1
        feeds = picked
    progress = _say_progress(not args.quiet)
    try:
        with client:
            report = run.fetch(library, feeds, client, chosen, run.today(), days=args.days, progress=progress)
    finally:  # Ctrl+C too: what was fetched is kept, and the line is not left half-written
        _end_progress(progress)
    if report.status == 2:
        for failure in dict.fromkeys(f.failure for f in report.feeds):
            print(f"reader: cannot reach {one_line(failure or '')}; nothing changed", file=sys.stderr)
        return 2
    if not args.quiet:
        print(one_line(report.summary()))
        if report.alerts:
            print(one_line("alerts: " + ", ".join(f"{name} +{count}" for name, count in report.alerts.items())))
        for feed in report.feeds:
            for problem in feed.problems:
                print(f"problem: {one_line(problem)}", file=sys.stderr)
    for feed in report.feeds:
        if feed.failure:
            print(f"reader: {feed.feed}: {one_line(feed.failure)}", file=sys.stderr)
    return report.status


def cmd_add(library: Library, args: argparse.Namespace) -> int:
    from reader.fetch import run

    _, chosen, client = _network(library)
    with client:
        report = run.add(library, client, chosen, args.inputs)
    for added in report.added:
        if added.problem:
            print(f"reader: {one_line(added.text)}: {one_line(added.problem)}", file=sys.stderr)
        else:
            print(
                f"{one_line(added.paper_id or '')}  {'new' if added.new else 'already in the library'}  {one_line(added.title)}"
            )
    if report.imported.records:
        print(report.imported.summary())
    return report.status


def cmd_enrich(library: Library, args: argparse.Namespace) -> int:
    from reader.fetch import run

    _, chosen, client = _network(library)
    progress = _say_progress(True)
    try:
        with client:
            report = run.enrich(library, client, chosen, " ".join(args.query), progress=progress)
    finally:
        _end_progress(progress)
    for paper_id, arxiv_id in report.matched:
        print(f"matched    {one_line(paper_id)}  arXiv:{one_line(arxiv_id)}  {one_line(library.get(paper_id).title)}")
    for paper_id in report.unmatched:
        print(f"unmatched  {one_line(paper_id)}  {one_line(library.get(paper_id).title)}")
    print(f"{len(report.matched)} matched, {len(report.unmatched)} unmatched")
    if report.failure:
        print(f"reader: stopped: {one_line(report.failure)}; run it again to go on", file=sys.stderr)
        return 1
    return 0


def cmd_pdf(library: Library, args: argparse.Namespace) -> int:
    from reader.fetch.client import FetchError
    from reader.fetch.pdf import PdfError, download_line, fetch_pdf

    paper = library.get(library.resolve(args.id))
    _, chosen, client = _network(library)
    say = _say_progress(True)
    bar = None
    if say is not None:
        bar = lambda done, total: say(download_line(paper, done, total))  # noqa: E731
    try:
        with client:
            path, _ = fetch_pdf(client, library.store.home, paper, chosen, bar)
    except (PdfError, FetchError) as error:
        _end_progress(bar)
        print(f"reader: {one_line(str(error))}", file=sys.stderr)
        return 1
    _end_progress(bar)
    print(path)
    if not args.no_open and sys.stdout.isatty():
        print(f"reader: {open_file(path)}", file=sys.stderr)
    return 0


COMMANDS = {
    "import": cmd_import,
    "search": cmd_search,
    "export": cmd_export,
    "key": cmd_key,
    "bookmark": cmd_bookmark,
    "tag": cmd_tag,
    "untag": cmd_tag,
    "read": cmd_read,
    "stats": cmd_stats,
    "remove": cmd_remove,
    "undo": cmd_undo,
    "redo": cmd_undo,
    "fetch": cmd_fetch,
    "add": cmd_add,
    "enrich": cmd_enrich,
    "pdf": cmd_pdf,
    "compact": cmd_compact,
}

if __name__ == "__main__":
    sys.exit(main())

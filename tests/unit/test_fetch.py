"""`reader fetch` against the replay server (tests/helpers/replay.py): the recorded
Hugging Face days and arXiv feeds, and the server misbehaving on purpose."""

import gzip
import json
import socket
from datetime import date

import pytest

from helpers.replay import HF_DAYS, replay  # noqa: F401 - the fixture
from reader.cli import main
from reader.fetch import client as client_module
from reader.fetch import run, sources
from reader.library import Library

WEEK = [f"2026-08-{day}" for day in range(15, 22)]  # 15, 16 a weekend: Hugging Face has no papers then


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The last recorded day is today; retries do not wait (their waits are tested in test_fetch_client)."""
    monkeypatch.setattr(run, "today", lambda: date(2026, 8, 21))
    monkeypatch.setattr(client_module, "BACKOFF", 0.0)


def cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def recorded_ids(days):
    ids = []
    for day in days:
        path = HF_DAYS / f"{day}.json.gz"
        if path.exists():
            ids += [item["paper"]["id"] for item in json.loads(gzip.decompress(path.read_bytes()))]
    return set(ids)


def known(home, ids):
    library = Library.open(home)
    return {i for i in ids if f"arxiv:{i}" in library.papers}


def settings(home, text):
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(text)


# --- Hugging Face days -----------------------------------------------------------


def test_fetch_brings_in_the_last_seven_days_and_a_second_run_is_one_304(home, replay, capsys):
    ids = recorded_ids(WEEK)
    assert known(home, ids) == set()  # a seeded home: none of them yet
    code, out, err = cli(capsys, "fetch")
    assert code == 0, err
    assert out.splitlines() == [f"hf: 7 days, {len(ids)} new"]
    assert [s.target.split("date=")[1] for s in replay.seen] == WEEK
    assert known(home, ids) == ids
    assert replay.seen[0].headers["User-Agent"].startswith("reader/")

    replay.reset_log()
    code, out, _ = cli(capsys, "fetch")
    assert (code, out.strip()) == (0, "hf: 1 day, 0 new")
    assert replay.statuses() == [304]  # today again (it may have grown): not modified


def test_days_limits_how_far_back_the_first_fetch_goes(home, replay, capsys):
    code, out, _ = cli(capsys, "fetch", "--days", "2")
    assert code == 0
    assert out.startswith("hf: 2 days, ")
    assert [s.target.split("date=")[1] for s in replay.seen] == ["2026-08-20", "2026-08-21"]


def test_an_interrupted_fetch_keeps_what_it_got_and_the_next_run_goes_on(home, replay, capsys):
    replay.fail("reset", "date=2026-08-18", times=None)  # every try of that day: the connection reset
    code, out, err = cli(capsys, "fetch")
    assert code == 1
    assert "stopped short" in out
    assert err.count("\n") == 1 and "hf: 127.0.0.1" in err and "Traceback" not in err
    assert known(home, recorded_ids(WEEK)) == recorded_ids(WEEK[:3])  # the days before it are in

    replay.faults.clear()
    replay.reset_log()
    code, out, _ = cli(capsys, "fetch")
    assert code == 0
    asked = [(s.target.split("date=")[1], s.status) for s in replay.seen]
    assert asked == [("2026-08-17", 304), *((day, 200) for day in WEEK[3:])]
    assert known(home, recorded_ids(WEEK)) == recorded_ids(WEEK)


@pytest.mark.parametrize("kind", ["503", "429", "truncate", "reset"])
def test_a_passing_failure_is_retried_and_the_fetch_completes(home, replay, capsys, kind):
    replay.fail(kind, "date=2026-08-19", retry_after="0")
    code, out, err = cli(capsys, "fetch")
    assert (code, err) == (0, "")
    assert out.strip() == f"hf: 7 days, {len(recorded_ids(WEEK))} new"
    assert len(replay.statuses("date=2026-08-19")) == 2


@pytest.mark.parametrize(
    "kind, said",
    [
        ("html", "sent an HTML page, not the daily-papers JSON"),
        ("cut", "not the daily-papers JSON (cut short?)"),
        ("503", "HTTP 503 Service Unavailable"),
    ],
)
def test_an_answer_that_is_not_a_day_is_one_line_and_nothing_of_it_is_kept(home, replay, capsys, kind, said):
    replay.fail(kind, "date=2026-08-19", times=None)
    code, out, err = cli(capsys, "fetch")
    assert code == 1
    [line] = err.splitlines()
    assert line.startswith(f"reader: hf: {replay.url.removeprefix('http://')}: ") and said in line
    assert known(home, recorded_ids(WEEK)) == recorded_ids(WEEK[:4])  # up to the day before


def test_a_retry_after_longer_than_reader_waits_gives_up_at_once(home, replay, capsys):
    replay.fail("429", "date=2026-08-15", retry_after="3600")
    code, _, err = cli(capsys, "fetch")
    assert code == 1
    assert "HTTP 429: asked to wait 3600 s; try again later" in err
    assert replay.statuses() == [429]


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_offline_is_one_line_naming_the_host_exit_2_and_nothing_changed(home, replay, capsys, monkeypatch):
    Library.open(home)
    before = {path.name: path.read_bytes() for path in home.iterdir() if path.is_file()}
    port = closed_port()
    monkeypatch.setenv("READER_HF_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("READER_ARXIV_API_URL", f"http://127.0.0.1:{port}/api/query")
    settings(home, '[[feeds]]\nsource = "hf"\n[[feeds]]\nsource = "arxiv"\ncategories = ["cs.CL", "cs.LG"]\n')
    before["settings.toml"] = (home / "settings.toml").read_bytes()
    code, out, err = cli(capsys, "fetch")
    assert code == 2
    assert out == ""
    assert err.splitlines() == [f"reader: cannot reach 127.0.0.1:{port}: cannot connect (connection refused); nothing changed"]
    after = {path.name: path.read_bytes() for path in home.iterdir() if path.is_file() and path.name != ".lock"}
    assert after == {name: raw for name, raw in before.items() if name != ".lock"}


def test_quiet_prints_nothing_when_all_went_well(home, replay, capsys):
    assert cli(capsys, "fetch", "--quiet") == (0, "", "")


# --- arXiv categories --------------------------------------------------------------


def test_an_arxiv_category_is_paged_until_the_papers_are_older_than_the_first_day(home, replay, capsys, monkeypatch):
    monkeypatch.setattr(run, "today", lambda: date(2024, 12, 20))
    monkeypatch.setattr(sources, "ARXIV_PAGE", 2)
    settings(home, '[[feeds]]\nsource = "arxiv"\ncategories = ["math.PR"]\n')
    code, out, err = cli(capsys, "fetch", "--days", "100")  # back to 2024-09-12
    assert (code, err) == (0, "")
    assert out.strip() == "arxiv math.PR: 2 new"  # 2412.12023 and 2409.12515; the third is from 2021
    starts = [s.target.split("start=")[1].split("&")[0] for s in replay.seen]
    assert starts == ["0", "2"]
    assert all("search_query=cat:math.PR&sortBy=submittedDate&sortOrder=descending" in s.target for s in replay.seen)
    assert known(home, ["2412.12023", "2409.12515", "2101.02199"]) == {"2412.12023", "2409.12515"}

    replay.reset_log()
    assert cli(capsys, "fetch")[:2] == (0, "arxiv math.PR: 0 new\n")
    assert replay.statuses() == [304]  # the first page as it was: nothing submitted since


def test_an_arxiv_error_entry_is_a_problem_of_that_feed_only(home, replay, capsys):
    settings(home, '[[feeds]]\nsource = "arxiv"\ncategories = ["math.PR"]\n[[feeds]]\nsource = "hf"\n')
    replay.fail("error-entry", "cat:math.PR", times=None)
    code, out, err = cli(capsys, "fetch")
    assert code == 1
    assert out.strip() == f"arxiv math.PR: 0 new, stopped short; hf: 7 days, {len(recorded_ids(WEEK))} new"
    assert err.splitlines() == [f"reader: arxiv math.PR: {replay.url.removeprefix('http://')}: arXiv API error: malformed query"]


def test_feed_picks_one_feed_and_an_unknown_one_is_named(home, replay, capsys):
    settings(home, '[[feeds]]\nsource = "arxiv"\ncategories = ["math.PR"]\n[[feeds]]\nsource = "hf"\n')
    code, out, _ = cli(capsys, "fetch", "--feed", "hf")
    assert code == 0 and out.startswith("hf: 7 days")
    code, _, err = cli(capsys, "fetch", "--feed", "cs.XX")
    assert code == 1 and err.strip() == "reader: no feed cs.XX; the feeds are: arxiv math.PR, hf"


# --- what the fetches remember --------------------------------------------------


def test_a_saved_search_counts_the_papers_fetched_since_it_was_last_opened(home, replay, capsys, monkeypatch):
    monkeypatch.setattr(run, "today", lambda: date(2024, 12, 20))
    settings(home, '[[feeds]]\nsource = "arxiv"\ncategories = ["math.PR", "cs.LG"]\n')
    library = Library.open(home)
    library.save_search("random", "random")
    library.save_search("markov", "markov")
    library.save_search("nothing", "zzzzqqq")
    code, out, _ = cli(capsys, "fetch", "--days", "100", "--feed", "math.PR")
    # "Rotating random trees..." and "Random Markov property for random walks..."
    assert out.splitlines() == ["arxiv math.PR: 2 new", "alerts: random +2, markov +1"]
    assert Library.open(home).search_alerts() == {"random": 2, "markov": 1}

    Library.open(home).mark_search_opened("random")
    assert Library.open(home).search_alerts() == {"markov": 1}
    code, out, _ = cli(capsys, "fetch", "--days", "100", "--feed", "cs.LG")
    assert out.splitlines() == ["arxiv cs.LG: 1 new", "alerts: random +1, markov +1"]  # "Heterogeneous Random Forest"


def test_a_damaged_feeds_file_is_named_and_kept_aside_and_nothing_is_fetched(home, replay, capsys):
    Library.open(home)
    (home / "feeds.json").write_text('{"feeds": [')
    code, _, err = cli(capsys, "fetch")
    assert code == 1
    assert "feeds.json is damaged" in err and "reader --home" in err and "recover --empty" in err
    assert list(home.glob("feeds.json.broken-*"))
    assert replay.seen == []


def test_an_arxiv_paging_broken_off_is_paged_again_from_the_top(home, replay, capsys, monkeypatch):
    monkeypatch.setattr(run, "today", lambda: date(2024, 12, 20))
    monkeypatch.setattr(sources, "ARXIV_PAGE", 2)
    settings(home, '[[feeds]]\nsource = "arxiv"\ncategories = ["math.PR"]\n')
    everything = ["2412.12023", "2409.12515", "2101.02199", "1910.08253", "1903.02058"]  # newest first
    replay.fail("reset", "start=2&", times=None)
    assert cli(capsys, "fetch", "--days", "3000")[0] == 1
    assert known(home, everything) == set(everything[:2])

    replay.faults.clear()
    replay.reset_log()
    code, out, _ = cli(capsys, "fetch", "--days", "3000")
    assert (code, out.strip()) == (0, "arxiv math.PR: 3 new")
    assert replay.statuses() == [200, 200, 200]  # the first page is not taken for "nothing new"
    assert known(home, everything) == set(everything)

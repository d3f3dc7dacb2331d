"""The HTTP client's manners, against the replay server: retries and their waits,
arXiv's pace, timeouts, conditional requests. Waits are recorded, not slept."""

import httpx
import pytest

from helpers.replay import Replay
from reader.fetch.client import Client, FetchError, Validators
from reader.fetch.endpoints import endpoints


@pytest.fixture
def server():
    server = Replay().start()
    yield server
    server.stop()


@pytest.fixture
def waits():
    return []


def day(server, date="2026-08-21"):
    return f"{server.url}/hf/api/daily_papers?date={date}"


def test_a_429_is_tried_again_after_the_retry_after_it_gives(server, waits):
    server.fail("429", "date=", retry_after="7")
    with Client(sleep=waits.append) as client:
        assert client.get(day(server)).status == 200
    assert waits == [7.0]
    assert server.statuses() == [429, 200]


def test_5xx_answers_are_tried_again_with_growing_pauses_and_then_given_up(server, waits):
    server.fail("503", "date=", times=None)
    with Client(sleep=waits.append) as client, pytest.raises(FetchError) as raised:
        client.get(day(server))
    assert waits == [1.0, 2.0, 4.0]
    assert server.statuses() == [503] * 4
    assert str(raised.value) == f"{server.url.removeprefix('http://')}: HTTP 503 Service Unavailable"


def test_a_slow_answer_times_out_and_is_asked_again(server, waits):
    server.fail("slow", "date=", delay=1.0)
    with Client(sleep=waits.append, timeout=httpx.Timeout(0.3)) as client:
        assert client.get(day(server)).status == 200
    assert len(server.seen) == 2


def test_arxiv_is_asked_at_most_once_per_its_delay_and_other_hosts_are_not_held_up(server, waits):
    chosen, _ = endpoints(environ={**server.env(), "READER_ARXIV_DELAY": "3"})
    now = [100.0]
    with Client(paced=chosen.paced, sleep=waits.append, clock=lambda: now[0]) as client:
        client.get(chosen.arxiv_query(search_query="cat:math.PR"))
        client.get(chosen.hf_day("2026-08-21"))
        assert waits == []
        now[0] += 1.0
        client.get(chosen.arxiv_query(search_query="cat:cs.LG"))
    assert waits == [2.0]  # 3 s after the first, which went 1 s ago


def test_the_user_agent_names_reader_and_its_version(server):
    from reader import __version__

    with Client() as client:
        client.get(day(server))
    assert server.seen[0].headers["User-Agent"].startswith(f"reader/{__version__} ")


def test_a_remembered_answer_is_asked_for_conditionally_and_costs_a_304(server, tmp_path):
    with Client(validators=Validators(tmp_path)) as client:
        first = client.get(day(server))
        assert client.get(day(server)).status == 200  # not remembered (not imported): asked in full
        client.remember(first)
        assert client.get(day(server)).not_modified
    with Client(validators=Validators(tmp_path)) as client:  # another run: read back from the home
        assert client.get(day(server)).not_modified
        assert client.not_modified == 1
    assert [s.status for s in server.seen] == [200, 200, 304, 304]
    assert server.seen[-1].headers["If-None-Match"] == first.etag


def test_a_damaged_validator_cache_is_a_note_and_starts_afresh(server, tmp_path):
    (tmp_path / "http-cache.json").write_text("{not json")
    notes = []
    with Client(validators=Validators(tmp_path, notes.append)) as client:
        client.remember(client.get(day(server)))
        assert client.get(day(server)).not_modified
    assert notes == [f"{tmp_path / 'http-cache.json'}: damaged; it is only a cache, so it starts afresh"]


def test_a_host_that_cannot_be_reached_is_not_asked_again_in_the_same_run(server):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with Client() as client:
        with pytest.raises(FetchError) as first:
            client.get(f"http://127.0.0.1:{port}/a")
        with pytest.raises(FetchError) as second:
            client.get(f"http://127.0.0.1:{port}/b")
    assert first.value is second.value and not first.value.reached
    assert client.requests == 0


def test_environment_urls_replace_the_defaults_and_bad_ones_are_named():
    chosen, problems = endpoints(
        {"hf": "https://mirror.example/hf"},
        {"READER_DOI_URL": "http://127.0.0.1:9/doi/", "READER_ARXIV_URL": "ftp://x", "READER_ARXIV_DELAY": "-1"},
    )
    assert chosen.hf_day("2026-08-21") == "https://mirror.example/hf/api/daily_papers?date=2026-08-21"
    assert chosen.doi_record("10.1145/3442188.3445922") == "http://127.0.0.1:9/doi/10.1145/3442188.3445922"
    assert chosen.arxiv_pdf("2306.13575") == "https://arxiv.org/pdf/2306.13575"
    assert chosen.arxiv_delay == 3.0
    assert problems == [
        "READER_ARXIV_URL='ftp://x' is not an http(s) URL; using https://arxiv.org",
        "READER_ARXIV_DELAY='-1' is not a number of seconds; using 3",
    ]

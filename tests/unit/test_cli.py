import json
import os
import stat
import subprocess
import sys

import pytest

from helpers.paths import DATA
from reader.cli import main


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def search_json(capsys, *args):
    code, out, _ = run(capsys, "search", "--json", *args)
    return [json.loads(line) for line in out.splitlines()]


def test_import_twice_changes_nothing_the_second_time(home, capsys):
    run(capsys, "import", str(DATA))
    code, out, _ = run(capsys, "import", str(DATA))
    assert code == 0
    assert out.strip() == "0 new, 0 merged, 484 unchanged"


def test_import_into_an_unseeded_home_counts_new_and_merged(tmp_path, capsys):
    from reader.library import Library

    library = Library.open(tmp_path, seed=False)
    report = library.import_paths([DATA])
    assert report.new == 423 and report.new + report.merged + report.unchanged == 484


def test_search_json_has_the_documented_fields(home, capsys):
    results = search_json(capsys, "diffusion", "--limit", "3")
    assert len(results) == 3
    assert set(results[0]) >= {"id", "title", "score", "bookmarked", "read", "tags"}
    assert all("diffusion" in (r["title"]).lower() for r in results)


def test_cli_state_commands_show_up_in_search(home, capsys):
    paper_id = search_json(capsys, "diffusion", "--limit", "1")[0]["id"]
    assert run(capsys, "bookmark", paper_id)[0] == 0
    assert run(capsys, "tag", paper_id, "gen", "video")[0] == 0
    assert run(capsys, "untag", paper_id, "video")[0] == 0
    assert run(capsys, "read", paper_id)[0] == 0
    found = {r["id"]: r for r in search_json(capsys, "--limit", "0")}[paper_id]
    assert (found["bookmarked"], found["read"], found["tags"]) == (True, True, ["gen"])
    run(capsys, "read", paper_id, "--unread")
    assert {r["id"]: r for r in search_json(capsys, "--limit", "0")}[paper_id]["read"] is False


def test_unknown_id_is_a_clear_error(home, capsys):
    code, _, err = run(capsys, "bookmark", "nosuchpaper")
    assert code == 1
    assert "no paper with id 'nosuchpaper'" in err and "Traceback" not in err


def test_state_commands_change_state_without_reading_the_papers(home, capsys, monkeypatch):
    """At 1M papers, reading them cost a bookmark 4.9 s and 3.4 GB."""
    from reader.store import Store

    def refuse(*_args, **_kwargs):
        raise AssertionError("the papers were read")

    run(capsys, "import", str(DATA))
    paper_id = search_json(capsys, "diffusion", "--limit", "1")[0]["id"]
    with monkeypatch.context() as patched:
        patched.setattr(Store, "read_library", refuse)
        assert run(capsys, "bookmark", paper_id) == (0, f"{paper_id}: bookmarked\n", "")
        assert run(capsys, "tag", paper_id, "gen", "video") == (0, f"{paper_id}: tags gen video\n", "")
        assert run(capsys, "untag", paper_id, "video")[:2] == (0, f"{paper_id}: tags gen\n")
        assert run(capsys, "read", paper_id)[:2] == (0, f"{paper_id}: read\n")
        code, _, err = run(capsys, "bookmark", "nosuchpaper")
        assert code == 1 and err == "reader: no paper with id 'nosuchpaper' (try: reader search)\n"
    assert run(capsys, "undo") == (0, "undone: marked read (1 paper)\n", "")
    assert run(capsys, "undo") == (0, "undone: tags -video (1 paper)\n", "")
    found = {r["id"]: r for r in search_json(capsys, "--limit", "0")}[paper_id]
    assert (found["bookmarked"], found["read"], found["tags"]) == (True, False, ["gen", "video"])


def test_the_keys_file_names_the_papers_the_library_does(home, capsys):
    from reader.library import Library, LibraryError

    run(capsys, "import", str(DATA))
    loaded, light = Library.open(home), Library.open_for_state(home)
    assert light.papers == {} and loaded.papers
    typed = ["nosuchpaper", "arxi", "arxiv:", "title", "  ", "2305.1"]
    for paper in list(loaded.papers.values())[::7]:
        typed += [paper.id, paper.id[:5], paper.id[:-1], f" {paper.id} ", *paper.keys]
        if paper.arxiv_id:
            typed += [paper.arxiv_id, f"{paper.arxiv_id}v2", f"https://arxiv.org/abs/{paper.arxiv_id}"]

    def answer(library, text):
        try:
            return library.resolve(text)
        except LibraryError as error:
            return str(error)

    assert [answer(light, t) for t in typed] == [answer(loaded, t) for t in typed]


def test_a_library_file_replaced_behind_the_keys_file_is_what_names_the_papers(home, tmp_path, capsys):
    from reader.models import Paper, Source
    from reader.store import Store

    run(capsys, "import", str(DATA))
    other = tmp_path / "other"
    Store(other).save_papers(
        [Paper(id="title:000000000001", title="Only Here", abstract="", sources=(Source("f", "hf-page", 0),))]
    )
    (other / "library.json").replace(home / "library.json")  # a backup put back, another tool
    assert run(capsys, "bookmark", "title:000000000001")[:2] == (0, "title:000000000001: bookmarked\n")
    assert run(capsys, "bookmark", "title:0000")[:2] == (0, "title:000000000001: bookmarked\n")
    paper_id = search_json(capsys, "--limit", "1")[0]["id"]
    assert paper_id == "title:000000000001"


def test_import_of_missing_and_unknown_files_fails_clearly(home, tmp_path, capsys):
    odd = tmp_path / "notes.csv"
    odd.write_text("x,y\n")
    code, out, err = run(capsys, "import", str(tmp_path / "missing.txt"), str(odd))
    assert code == 1
    assert out.strip() == "0 new, 0 merged, 0 unchanged"
    assert "missing.txt: no such file" in err
    assert "notes.csv: unknown format" in err


def test_import_of_a_named_pipe_refuses_it_and_goes_on(tmp_path):
    """Opening a pipe waits for a writer that never comes: the import must not."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    good = tmp_path / "good.txt"
    good.write_text("Get trending papers in your email inbox!\nA paper read past a pipe\nIts abstract ends here.\n")
    done = subprocess.run(
        [sys.executable, "-m", "reader", "--home", str(tmp_path / "home"), "import", str(pipe), str(good)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1  # a whole file could not be read
    assert done.stderr.strip() == f"problem: {pipe}: not a regular file (a pipe or device); skipped"
    assert done.stdout.strip().startswith("1 new, ")  # the home's seed papers are unchanged


def test_search_with_no_match_exits_non_zero(home, capsys):
    code, out, err = run(capsys, "search", '"zzqx qqzz"')
    assert code == 1 and out == "" and "no papers match" in err


def test_home_option_beats_environment(tmp_path, home, capsys):
    other = tmp_path / "other"
    run(capsys, "--home", str(other), "tag", search_json(capsys, "--limit", "1")[0]["id"], "x")
    assert (other / "state.json").exists()
    assert not (home / "state.json").exists()


def test_export_json_imports_back_with_state_into_a_fresh_home(home, tmp_path, capsys):
    chosen = search_json(capsys, "diffusion", "--limit", "2")
    for record in chosen:
        run(capsys, "tag", record["id"], "picked")
    out = tmp_path / "picked.json"
    code, _, err = run(capsys, "export", "tag:picked", "-o", str(out))
    assert code == 0 and "2 papers written" in err
    fresh = tmp_path / "fresh"
    code, summary, _ = run(capsys, "--home", str(fresh), "import", str(out))
    assert code == 0
    _, out, _ = run(capsys, "--home", str(fresh), "search", "--json", "tag:picked", "--limit", "0")
    assert {json.loads(line)["id"] for line in out.splitlines()} == {r["id"] for r in chosen}


def test_export_bibtex_to_stdout(home, capsys):
    paper_id = search_json(capsys, "diffusion", "--limit", "1")[0]["id"]
    run(capsys, "bookmark", paper_id)
    code, out, _ = run(capsys, "export", "is:bookmarked", "--format", "bibtex")
    assert code == 0 and out.count("@") == 1 and "title" in out


def test_after_an_import_the_next_start_reads_the_search_index_instead_of_building_it(home, capsys):
    from helpers.paths import CORPORA
    from reader.library import Library

    code, out, _ = run(capsys, "import", str(CORPORA / "arxiv-api-atom"))
    assert code == 0 and out.startswith("19 new")
    library = Library.open(home)
    assert len(library) == 19  # what was asked for, without the demo
    assert library.index.cache_hit
    title = next(iter(library.papers.values())).title
    assert library.search(title).ids  # and it answers from what it read


def test_stats_counts_what_the_person_decided(home, capsys, tz):
    ids = [r["id"] for r in search_json(capsys, "--limit", "3")]
    run(capsys, "bookmark", ids[0])
    run(capsys, "tag", ids[1], "ml", "later")
    run(capsys, "read", ids[2])
    code, out, _ = run(capsys, "stats", "--json")
    stats = json.loads(out)
    assert code == 0
    assert (stats["all"], stats["inbox"], stats["unread"], stats["bookmarked"]) == (423, 420, 422, 1)
    assert stats["tags"] == {"ml": 1, "later": 1}
    assert sum(stats["sources"].values()) >= 423 and len(stats["sources"]) == 5
    assert list(stats["decided_per_day"].values()) == [3]
    code, out, _ = run(capsys, "stats")
    assert "inbox" in out and "ml" in out


# --- where an export may write ------------------------------------------------------


@pytest.fixture
def decided_home(home, capsys):
    """A home with a state.json (one tagged paper) worth protecting."""
    run(capsys, "tag", search_json(capsys, "diffusion", "--limit", "1")[0]["id"], "picked")
    return home


def test_export_to_a_new_file_gets_the_usual_permissions(home, tmp_path, capsys):
    out = tmp_path / "picks.md"
    old = os.umask(0o022)
    try:
        code, _, err = run(capsys, "export", "-o", str(out))
    finally:
        os.umask(old)
    assert code == 0, err
    assert stat.S_IMODE(out.stat().st_mode) == 0o644  # readable by others, as files a person makes are


def test_export_over_a_private_file_keeps_it_private(home, tmp_path, capsys):
    out = tmp_path / "picks.md"
    out.write_text("old")
    out.chmod(0o600)
    assert run(capsys, "export", "-o", str(out))[0] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.read_text().startswith("# Reading list")


def test_export_dash_means_standard_output(home, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "export", "-o", "-", "--format", "bibtex")
    assert code == 0 and out.count("@misc{") == 423
    assert not (tmp_path / "-").exists()


def test_export_through_a_symlink_writes_the_file_it_names_and_keeps_the_link(home, tmp_path, capsys):
    real = tmp_path / "notes" / "picks.md"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "picks.md"
    link.symlink_to(real)
    code, _, err = run(capsys, "export", "-o", str(link))
    assert code == 0, err
    assert link.is_symlink() and link.readlink() == real
    assert real.read_text().startswith("# Reading list")


def test_export_refuses_a_fifo_without_opening_it(home, tmp_path, capsys):
    fifo = tmp_path / "picks.md"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "export", "-o", str(fifo))
    assert code == 1
    assert (
        err.splitlines(keepends=True)[-1]
        == f"reader: {fifo}: is a FIFO (named pipe), not a file; export writes regular files only\n"
    )
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_export_refuses_a_device_even_through_a_symlink(home, tmp_path, capsys):
    # As `-o /dev/stdout` does; a link in tmp_path, so a failing run can only replace the link.
    link = tmp_path / "picks.md"
    link.symlink_to(os.devnull)
    code, _, err = run(capsys, "export", "-o", str(link))
    assert code == 1
    assert err.splitlines(keepends=True)[-1] == f"reader: {link}: is a device, not a file; export writes regular files only\n"
    assert link.is_symlink()


def test_export_refuses_a_folder(home, tmp_path, capsys):
    code, _, err = run(capsys, "export", "-o", str(tmp_path))
    assert (
        code == 1
        and err.splitlines(keepends=True)[-1]
        == f"reader: {tmp_path}: is a folder, not a file; export writes regular files only\n"
    )


@pytest.mark.parametrize("how", ["directly", "via a symlink", "via a hard link", "as a new file"])
def test_export_refuses_the_homes_own_files(decided_home, tmp_path, capsys, how):
    state = decided_home / "state.json"
    before = state.read_bytes()
    target = {
        "directly": state,
        "via a symlink": tmp_path / "picks.md",
        "via a hard link": tmp_path / "picks.md",
        "as a new file": decided_home / "picks.md",
    }[how]
    if how == "via a symlink":
        target.symlink_to(state)
    elif how == "via a hard link":
        os.link(state, target)
    code, _, err = run(capsys, "export", "-o", str(target))
    assert code == 1
    assert err == f"reader: {target}: would write into reader's home folder {decided_home}; export somewhere else\n"
    assert state.read_bytes() == before
    assert sorted(p.name for p in decided_home.iterdir() if p.name.endswith(".md")) == []


# --- issue 17: messages, numbers and names the CLI gets right ---------------------------


def test_a_negative_limit_is_refused_not_taken_for_no_match(home, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["search", "diffusion", "--limit", "-1"])
    assert exited.value.code == 2
    assert "'-1' is not a whole number, 0 or more" in capsys.readouterr().err


def test_untag_of_a_tag_the_paper_does_not_have_says_so(home, capsys):
    paper_id = search_json(capsys, "diffusion", "--limit", "1")[0]["id"]
    run(capsys, "tag", paper_id, "keep")
    code, _, err = run(capsys, "untag", paper_id, "notthere")
    assert code == 1 and f"{paper_id} had no tag notthere" in err
    code, out, err = run(capsys, "untag", paper_id, "keep", "notthere")
    assert code == 0 and "tags (none)" in out and "had no tag notthere" in err


def test_an_unknown_field_is_searched_as_words(home, capsys):
    code, out, err = run(capsys, "search", "--json", "diffusion:model")
    assert code == 0 and "unknown field" not in err
    assert json.loads(out.splitlines()[0])["id"] == search_json(capsys, "diffusion model")[0]["id"]


def test_search_output_keeps_tags_apart_from_the_title(home, capsys):
    paper = search_json(capsys, "diffusion", "--limit", "1")[0]
    run(capsys, "tag", paper["id"], "4d")
    _, out, _ = run(capsys, "search", "tag:4d")
    assert out.rstrip("\n").endswith(f"{paper['title']}  [4d]")


def test_messages_count_one_paper_as_one_paper(home, tmp_path, capsys):
    paper_id = search_json(capsys, "diffusion", "--limit", "1")[0]["id"]
    run(capsys, "tag", paper_id, "one")
    code, _, err = run(capsys, "export", "tag:one", "-o", str(tmp_path / "one.bib"))
    assert code == 0 and "1 paper written" in err


def test_an_export_name_with_an_unknown_suffix_is_refused_unless_a_format_is_given(home, tmp_path, capsys):
    target = tmp_path / "picks.txt"
    code, _, err = run(capsys, "export", "diffusion", "-o", str(target))
    assert code == 1 and not target.exists()
    assert f"{target}: no export format ends in .txt; use one of .bib" in err
    code, _, _ = run(capsys, "export", "diffusion", "-o", str(target), "--format", "markdown")
    assert code == 0 and "iffusion" in target.read_text()


# --- issue 17: the demo library, and removing papers -------------------------------------


def test_a_new_home_looked_at_gets_the_demo_and_says_how_to_take_it_out(home, capsys):
    code, out, err = run(capsys, "search", "diffusion")
    assert code == 0 and out
    assert "demo library: 423 bundled papers; reader import FILE adds yours, reader remove --demo takes these out" in err
    assert "demo library" not in run(capsys, "search", "diffusion")[2]  # said once, when it was filled


def test_remove_asks_for_yes_then_undo_brings_the_papers_back_with_their_state(home, capsys):
    found = search_json(capsys, "diffusion", "--limit", "0")
    run(capsys, "tag", found[0]["id"], "keep")
    code, _, err = run(capsys, "remove", "diffusion")  # not a terminal: --yes is the answer
    assert code == 1 and f"this removes {len(found)} papers; add --yes" in err
    assert len(search_json(capsys, "diffusion", "--limit", "0")) == len(found)
    code, out, _ = run(capsys, "remove", "diffusion", "--yes")
    assert code == 0 and out.strip() == f"{len(found)} papers removed (reader undo puts them back)"
    assert run(capsys, "search", "diffusion")[0] == 1
    code, out, _ = run(capsys, "undo")
    assert code == 0 and out.strip() == f"undone: removed ({len(found)} papers)"
    again = {r["id"]: r for r in search_json(capsys, "diffusion", "--limit", "0")}
    assert again.keys() == {r["id"] for r in found} and again[found[0]["id"]]["tags"] == ["keep"]
    assert run(capsys, "redo")[0] == 0
    assert run(capsys, "search", "diffusion")[0] == 1
    assert run(capsys, "search", "tag:keep")[0] == 1


def test_removing_a_source_keeps_the_papers_that_also_came_from_another(home, capsys):
    from reader.library import Library

    library = Library.open(home)
    only = [p.id for p in library.papers.values() if {s.file for s in p.sources} == {"000_c5e99e074c6bc0be.txt"}]
    shared = [
        p.id
        for p in library.papers.values()
        if len({s.file for s in p.sources}) > 1 and "000_c5e99e074c6bc0be.txt" in {s.file for s in p.sources}
    ]
    assert only and shared
    code, out, _ = run(capsys, "remove", "src:000_c5e", "--yes")
    assert code == 0 and out.startswith(f"{len(only)} papers removed")
    left = Library.open(home).papers
    assert not set(only) & left.keys() and set(shared) <= left.keys()


def test_remove_demo_leaves_only_what_was_imported(home, capsys):
    from helpers.paths import CORPORA

    run(capsys, "search", "diffusion")  # looked at first: the demo came in
    run(capsys, "import", str(CORPORA / "arxiv-api-atom"))
    code, out, _ = run(capsys, "remove", "--demo", "--yes")
    assert code == 0 and out.startswith("423 papers removed")
    assert len(search_json(capsys, "--limit", "0")) == 19


def test_a_fetch_or_import_into_a_new_home_brings_no_demo(home, capsys):
    from helpers.paths import CORPORA

    code, _, err = run(capsys, "import", str(CORPORA / "arxiv-api-atom"))
    assert code == 0 and "demo library" not in err
    assert len(search_json(capsys, "--limit", "0")) == 19


def test_the_readme_first_screen_says_what_import_reads_and_what_make_test_installs():
    from helpers.paths import ROOT

    first = (ROOT / "README.md").read_text().split("\n---\n")[0]
    assert [line.split()[:2] for line in first.split("```")[1].strip().splitlines()] == [["make", "run"], ["make", "test"]]
    assert "`chromium` and `chromium-driver`" in first and "apt" in first
    for source in ("BibTeX", "RIS", "CSL-JSON", "arXiv", "OAI-PMH", "Hugging Face", "Semantic Scholar", "papis", "Zotero"):
        assert source in first


def test_a_kaggle_snapshot_papers_doi_is_searchable(home, capsys):
    from helpers.paths import CORPORA

    run(capsys, "import", str(CORPORA / "arxiv-kaggle-snapshot-sample" / "arxiv-metadata-oai-snapshot.head200.json"))
    (found,) = search_json(capsys, "doi:10.1103/PhysRevD.76.013009")
    assert found["id"] == "arxiv:0704.0001"
    (listing_two,) = search_json(capsys, "doi:10.1364/JOSAA.23.002578")  # the first of the two the record lists
    assert listing_two["id"] == "arxiv:0704.0033"


def test_search_prints_titles_as_read_not_as_tex_and_json_keeps_both(home, capsys):
    from helpers.paths import CORPORA

    run(capsys, "import", str(CORPORA / "interop/bibtex-real/plk_biblatex-examples.bib"))
    code, out, _ = run(capsys, "search", "natura deorum", "--limit", "1")
    assert code == 0 and out.splitlines()[0].endswith(" De natura deorum. Über das Wesen der Götter")
    (found,) = search_json(capsys, "natura deorum", "--limit", "1")
    assert found["title"] == 'De natura deorum. {\\"U}ber das Wesen der G{\\"o}tter'  # stored, as the .bib wrote it
    assert found["title_text"] == "De natura deorum. Über das Wesen der Götter"


def test_search_shows_upvotes(home, capsys):
    from helpers.paths import CORPORA

    run(capsys, "import", str(CORPORA / "hf-daily-papers/daily/2024-05-27.json.gz"))
    results = search_json(capsys, "model", "--limit", "5")
    _, out, _ = run(capsys, "search", "model", "--limit", "5")
    voted = [r for r in results if r["upvotes"] is not None]
    assert voted
    for result, line in zip(results, out.splitlines(), strict=True):
        assert line.startswith(result["id"])
        assert (f"  ▲ {result['upvotes']}" in line) == (result["upvotes"] is not None)


def test_a_forced_format_the_files_records_do_not_fit_is_refused_in_one_line(home, tmp_path, capsys):
    from helpers.paths import CORPORA

    run(capsys, "import", str(CORPORA / "interop/bibtex-real/rnbguy_thesis2021_dblp.bib"))
    zotero = tmp_path / "zotero.csl.json"
    run(capsys, "export", "-o", str(zotero))
    other = tmp_path / "other"
    code, out, err = run(capsys, "--home", str(other), "import", "--format", "semantic-scholar", str(zotero))
    assert code == 1 and out.strip() == "0 new, 0 merged, 0 unchanged"
    assert err.splitlines() == [
        f"problem: {zotero}: read as semantic-scholar: its records lack that format's keys; "
        "the file looks like csl-json (import it without --format)"
    ]


def test_the_readme_shows_an_import_command_for_every_format():
    from helpers.paths import ROOT
    from reader.ingest import FORMATS

    readme = (ROOT / "README.md").read_text()
    examples = [
        line.split("#", 1)[1].split(":")[0].strip()
        for line in readme.splitlines()
        if line.startswith("reader import ") and "#" in line
    ]
    assert set(FORMATS) <= set(examples)


def test_a_state_command_without_caches_writes_the_keys_file_once(home, capsys, monkeypatch):
    import reader.paperkeys
    from reader.library import Library

    run(capsys, "import", str(DATA))
    for cache in ("library.papers", "library.keys"):
        (home / cache).unlink()
    writes = []
    real = reader.paperkeys.write
    monkeypatch.setattr(reader.paperkeys, "write", lambda *args: writes.append(args[0]) or real(*args))
    library = Library.open_for_state(home)
    assert library.papers and len(writes) == 1  # sorting every key twice cost seconds at 1M papers
    assert Library.open_for_state(home).papers == {}  # the next call reads the keys file


@pytest.mark.parametrize("columns", [80, 60])
def test_an_imports_progress_stays_on_one_row_of_the_terminal(capsys, monkeypatch, columns):
    # A line wider than the terminal wraps, and each \r then rewrites only its last row.
    from reader import cli

    monkeypatch.setattr(cli, "_stderr_columns", lambda: columns)
    for step in ["", "writing the fast-start copy", "finishing the search index", "indexing"]:
        cli._progress_bar(2_500_000_000, 2_500_000_000, 1_000_000, step)
    rows = capsys.readouterr().err.split("\r")[1:]
    assert [len(row.removesuffix("\x1b[K")) < columns for row in rows] == [True] * 4
    assert all(row.endswith("\x1b[K") for row in rows)  # a shorter step leaves nothing of the longer one
    if columns == 80:
        assert rows[1].startswith("[####################] 100%  1000000 papers read; writing the fast-start copy…")

"""settings.toml: read with clear messages, and the theme written back without losing the person's text."""

import tomllib

import pytest

from reader.settings import Settings, SettingsError, load_settings, save_theme, with_theme

THEMES = ("nord", "gruvbox", "textual-dark")
VIEWS = ("all", "unread", "bookmarked")
IDS = ("bookmark", "down", "quit")


def load(tmp_path, text):
    path = tmp_path / "settings.toml"
    path.write_text(text)
    return load_settings(path, THEMES, VIEWS, IDS)


def test_no_file_means_the_defaults(tmp_path):
    assert load_settings(tmp_path / "settings.toml", THEMES, VIEWS, IDS) == (Settings(), [])


def test_good_values_are_read(tmp_path):
    settings, problems = load(tmp_path, 'theme = "nord"\nview = "tag:to-read"\n[keys]\nbookmark = "B, ctrl+b"\n')
    assert problems == []
    assert settings == Settings(theme="nord", view="tag:to-read", keys={"bookmark": "B,ctrl+b"})


@pytest.mark.parametrize(
    "text, said",
    [
        ('theme = "nrod"', 'settings.toml: theme = "nrod" is not a theme; one of: gruvbox, nord, textual-dark'),
        ("theme = 1", "theme = 1 is not a theme"),
        ('view = "starred"', 'view = "starred" is not a view; one of: all, unread, bookmarked, or tag:NAME'),
        ('view = "tag:"', 'view = "tag:" is not a view'),
        ('keys = "B"', "keys must be a table"),
        ('[keys]\nfly = "x"', "keys.fly is not a binding; one of: bookmark, down, quit"),
        ('[keys]\nbookmark = 2', "keys.bookmark = 2 is not a key list"),
        ('[keys]\nbookmark = "B,,b"', 'keys.bookmark = "B,,b" is not a key list'),
        ('[keys]\nbookmark = "ctrl b"', 'keys.bookmark = "ctrl b" is not a key list'),
        ('colour = "red"', 'unknown setting "colour"; the settings are: theme, view, keys'),
    ],
)
def test_a_bad_value_is_named_with_what_is_allowed_and_falls_back(tmp_path, text, said):
    settings, problems = load(tmp_path, text + "\n")
    assert len(problems) == 1 and said in problems[0], problems
    assert settings.theme is None and settings.view == "all" and "bookmark" not in settings.keys


def test_a_file_that_is_not_toml_is_one_message(tmp_path):
    settings, problems = load(tmp_path, 'theme = "nord\n')
    assert settings == Settings()
    assert len(problems) == 1 and "not valid TOML" in problems[0] and "using the default settings" in problems[0]


def test_a_long_hostile_value_is_quoted_short_and_inert(tmp_path):
    _, [problem] = load(tmp_path, 'theme = "\\u001b[31m' + "x" * 200 + '"\n')
    assert "\x1b" not in problem and len(problem) < 200


@pytest.mark.parametrize(
    "before, after",
    [
        ("", 'theme = "nord"\n'),
        ('theme = "gruvbox"\n', 'theme = "nord"\n'),
        ("# mine\ntheme = 'gruvbox'   # dark one\nview = \"unread\"\n", "# mine\ntheme = \"nord\"   # dark one\nview = \"unread\"\n"),
        ('[keys]\nbookmark = "B"\n', 'theme = "nord"\n[keys]\nbookmark = "B"\n'),
        ('view = "all"\n[keys]\ntheme = "x"\n', 'theme = "nord"\nview = "all"\n[keys]\ntheme = "x"\n'),
    ],
)
def test_with_theme_changes_only_the_theme(before, after):
    assert with_theme(before, "nord") == after
    assert tomllib.loads(after)["theme"] == "nord"


def test_save_theme_writes_the_file_and_keeps_the_rest(tmp_path):
    home = tmp_path / "home"
    save_theme(home, "nord")
    assert (home / "settings.toml").read_text() == 'theme = "nord"\n'
    (home / "settings.toml").write_text('theme = "nord"\n\n[keys]\nbookmark = "B"  # capital\n')
    save_theme(home, "gruvbox")
    assert (home / "settings.toml").read_text() == 'theme = "gruvbox"\n\n[keys]\nbookmark = "B"  # capital\n'


def test_save_theme_leaves_a_file_it_cannot_edit_safely_alone(tmp_path):
    home = tmp_path
    broken = 'theme = "nord"\nview = \n# the person is mid-edit\n'
    (home / "settings.toml").write_text(broken)
    with pytest.raises(SettingsError, match="not valid TOML"):
        save_theme(home, "gruvbox")
    assert (home / "settings.toml").read_text() == broken

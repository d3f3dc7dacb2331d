"""settings.toml: read with clear messages, and the theme written back without losing the person's text."""

import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.settings import Bindings, Settings, SettingsError, load_settings, parse_settings, save_theme, with_theme

THEMES = ("nord", "gruvbox", "textual-dark")
VIEWS = ("all", "unread", "bookmarked")
NAMED = {"down", "up", "f2", "ctrl+b", "ctrl+p", "question_mark"}


def key_name(key: str) -> str | None:
    """The app's rule in small: characters, and a few named keys."""
    if len(key) == 1:
        return {"?": "question_mark"}.get(key, key)
    return key if key in NAMED else None


APP = {"bookmark": "b", "tags": "t", "read": "r", "help": "question_mark", "quit": "q"}
# The app's keys work in the list and in the abstract pane: each is checked with them.
BINDINGS = Bindings([{**APP, "down": "j,down"}, {**APP, "down": "j"}], key_name, {"ctrl+p": "the command palette"})


def load(tmp_path, text):
    path = tmp_path / "settings.toml"
    path.write_text(text)
    return load_settings(path, THEMES, VIEWS, BINDINGS)


def keys_of(text):
    return parse_settings(tomllib.loads(text), THEMES, VIEWS, BINDINGS)


def test_no_file_means_the_defaults(tmp_path):
    assert load_settings(tmp_path / "settings.toml", THEMES, VIEWS, BINDINGS) == (Settings(), [])


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
        ('[keys]\nfly = "x"', "keys.fly is not a binding; one of: bookmark, down, help, quit, read, tags"),
        ("[keys]\nbookmark = 2", "keys.bookmark = 2 is not a key list"),
        ('[keys]\nbookmark = "B,,b"', 'keys.bookmark = "B,,b" is not a key list'),
        ('[keys]\nbookmark = "ctrl b"', 'keys.bookmark = "ctrl b" is not a key list'),
        ('[keys]\nbookmark = "not-a-key"', 'keys.bookmark = "not-a-key": "not-a-key" is not a key; write a key such as "B"'),
        ('[keys]\nbookmark = "B,f99"', 'keys.bookmark = "B,f99": "f99" is not a key'),
        ('[keys]\nbookmark = "q"', 'keys.bookmark = "q": q is already the key of quit; bookmark keeps "b"'),
        ('[keys]\nbookmark = "?"', 'keys.bookmark = "?": ? is already the key of help; bookmark keeps "b"'),
        ('[keys]\nbookmark = "B,ctrl+p"', "ctrl+p is already the key of the command palette; bookmark keeps"),
        ('colour = "red"', 'unknown setting "colour"; the settings are: theme, view, keys'),
    ],
)
def test_a_bad_value_is_named_with_what_is_allowed_and_falls_back(tmp_path, text, said):
    settings, problems = load(tmp_path, text + "\n")
    assert len(problems) == 1 and said in problems[0], problems
    assert settings.theme is None and settings.view == "all" and "bookmark" not in settings.keys


def test_a_list_key_that_would_shadow_an_app_key_is_refused():
    settings, problems = keys_of('[keys]\ndown = "b"\n')
    assert problems == ['keys.down = "b": b is already the key of bookmark; down keeps "j,down"']
    assert settings.keys == {}


def test_of_two_rebindings_to_one_key_the_later_gives_way():
    settings, problems = keys_of('[keys]\nbookmark = "z"\ntags = "z"\n')
    assert problems == ['keys.tags = "z": z is already the key of bookmark; tags keeps "t"']
    assert settings.keys == {"bookmark": "z"}


def test_bindings_may_swap_keys():
    assert keys_of('[keys]\nbookmark = "t"\ntags = "b"\n') == (Settings(keys={"bookmark": "t", "tags": "b"}), [])


def test_a_refused_rebinding_gets_its_key_back_and_that_is_checked_too():
    settings, problems = keys_of('[keys]\nbookmark = "q"\nread = "b"\n')
    assert [p.split(":")[0] for p in problems] == ['keys.bookmark = "q"', 'keys.read = "b"']
    assert "b is already the key of bookmark" in problems[1]
    assert settings.keys == {}


@given(
    st.dictionaries(
        st.sampled_from(sorted(BINDINGS.ids)),
        st.lists(st.sampled_from(["b", "t", "q", "j", "z", "down", "?", "ctrl+p", "nope"]), min_size=1, max_size=3).map(",".join),
    )
)
def test_whatever_is_rebound_no_key_does_two_things(table):
    settings, problems = parse_settings({"keys": table}, THEMES, VIEWS, BINDINGS)
    assert len(problems) == len(table) - len(settings.keys)  # each refusal is named
    assert all(table[binding_id] == keys for binding_id, keys in settings.keys.items())
    for group in BINDINGS.together:
        owners: dict[str, set[str]] = {"ctrl+p": {"the command palette"}}
        for binding_id, default in group.items():
            for key in settings.keys.get(binding_id, default).split(","):
                owners.setdefault(key_name(key), set()).add(binding_id)
        assert all(len(ids) == 1 for ids in owners.values()), owners


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
        ("# mine\ntheme = 'gruvbox'   # dark one\nview = \"unread\"\n", '# mine\ntheme = "nord"   # dark one\nview = "unread"\n'),
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

"""The query language: what a person types and what it means."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader import words as wording
from reader.query import FIELD_NAMES, SYNTAX, Atom, Clause, Query, QueryError, parse_query
from reader.words import fold, padded, words


def atoms(text: str) -> list[list[tuple[str, str, bool]]]:
    """Clauses as lists of (field, value-or-words, negated) for compact assertions."""
    out = []
    for clause in parse_query(text).clauses:
        out.append([(a.field, " ".join(a.words) if a.words else a.value, clause.negated) for a in clause.atoms])
    return out


# --- words -----------------------------------------------------------------------------


def test_empty_and_blank_queries_have_no_clauses():
    assert parse_query("").is_empty
    assert parse_query("   \t ").is_empty
    assert parse_query("&& ...").is_empty  # nothing searchable in it


def test_words_are_anded_and_folded():
    assert atoms("Diffusion  VIDEO") == [[("any", "diffusion", False)], [("any", "video", False)]]


def test_folding_drops_case_accents_and_compatibility_forms():
    assert words("Balázs ﬁne-Tuning GPT-4o") == ["balazs", "fine", "tuning", "gpt", "4o"]
    assert fold("Ärger") == "arger"
    assert words("Straße") == ["strasse"]


# Any text, and text mostly ASCII (fold's short cut), with now and then a character
# that casefolds to ASCII (ß, the Kelvin sign, the long s) or is an accent or a space.
_TEXTS = st.text() | st.text(alphabet=st.characters(max_codepoint=127) | st.sampled_from("ß\u212a\u017fÄé\u0301\u00a0\u2003"))


@given(_TEXTS)
def test_ascii_text_folds_the_short_way_to_what_the_general_rule_gives(text):
    assert fold(text) == wording._folded(text)


@given(_TEXTS)
def test_padded_text_is_its_words_with_one_space_between_and_around(text):
    assert padded(text) == " " + " ".join(words(text)) + " "


def test_hyphenated_word_is_one_atom_of_several_words():
    (clause,) = parse_query("gpt-4").clauses
    assert clause.atoms == (Atom("any", "gpt-4", ("gpt", "4")),)


def test_bar_means_or_and_binds_tighter_than_space():
    assert atoms("a b | c d") == [
        [("any", "a", False)],
        [("any", "b", False), ("any", "c", False)],
        [("any", "d", False)],
    ]
    assert atoms("gan|diffusion") == [[("any", "gan", False), ("any", "diffusion", False)]]


def test_quoted_phrase():
    (clause,) = parse_query('"Neural Radiance Fields"').clauses
    (atom,) = clause.atoms
    assert atom.phrase and atom.words == ("neural", "radiance", "fields")


def test_negation_of_words_phrases_and_fields():
    query = parse_query('-survey -"a phrase" -title:review -is:read')
    assert [c.negated for c in query.clauses] == [True, True, True, True]
    assert [c.atoms[0].field for c in query.clauses] == ["any", "any", "title", "is"]
    assert query.clauses[1].atoms[0].phrase


def test_a_dash_standing_alone_mid_text_is_punctuation():
    assert atoms("Scaling MLPs - A Tale") == atoms("Scaling MLPs A Tale")


def test_pasted_title_with_colon_is_plain_words():
    assert atoms("Well-Read Students Learn Better: On") == [
        [("any", "well read", False)],
        [("any", "students", False)],
        [("any", "learn", False)],
        [("any", "better", False)],
        [("any", "on", False)],
    ]


def test_url_is_plain_words():
    assert atoms("https://github.com/x") == [[("any", "https github com x", False)]]


# --- fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, field, value",
    [
        ("title:llama", "title", "llama"),
        ('title:"large language"', "title", "large language"),
        ("abstract:benchmark", "abstract", "benchmark"),
        ("author:Hinton", "author", "hinton"),
        ('author:"Yann LeCun"', "author", "yann lecun"),
        ("tag:ToRead", "tag", "toread"),
        ("src:ArXiv", "src", "arxiv"),
        ("has:code", "has", "code"),
        ("is:bookmarked", "is", "bookmarked"),
        ("is:unread", "is", "unread"),
        ("is:read", "is", "read"),
        ("is:tagged", "is", "tagged"),
        ("is:noted", "is", "noted"),
        ("id:2306.13575v2", "id", "2306.13575"),
        ("arxiv:2306.13575", "id", "2306.13575"),
        ("TITLE:x", "title", "x"),
        ("au:smith", "author", "smith"),
    ],
)
def test_fields(text, field, value):
    (clause,) = parse_query(text).clauses
    (atom,) = clause.atoms
    assert atom.field == field
    assert (" ".join(atom.words) if atom.words else atom.value) == value


@pytest.mark.parametrize(
    "text, low, high",
    [
        ("year:2024", 2024, 2024),
        ("year:>=2023", 2023, 9999),
        ("year:>2023", 2024, 9999),
        ("year:<=2020", 0, 2020),
        ("year:<2020", 0, 2019),
        ("year:2020..2023", 2020, 2023),
        ("year:2023-2020", 2020, 2023),
    ],
)
def test_year_ranges(text, low, high):
    (clause,) = parse_query(text).clauses
    assert (clause.atoms[0].low, clause.atoms[0].high) == (low, high)


def test_bare_arxiv_id_names_one_paper():
    (clause,) = parse_query("2306.13575").clauses
    assert clause.atoms[0] == Atom("id", "2306.13575")


def test_state_fields_are_flagged():
    assert parse_query("is:read x").uses_state
    assert parse_query("tag:a").uses_state
    assert not parse_query("has:code year:2024 title:x").uses_state


# --- malformed queries: a short hint, never another exception ----------------------------


@pytest.mark.parametrize(
    "text, hint",
    [
        ("title:", "title:"),
        ("diffusion title:", "title:"),
        ('title:""', "title:"),
        ('"unclosed phrase', "quote"),
        ('a "b', "quote"),
        ("a |", "|"),
        ("| a", "|"),
        ("a || b", "|"),
        ("-", "-"),
        ("diffusion -", "-"),
        ("a | -b", "-"),
        ("-a | b", "-"),
        ("year:20x", "year:"),
        ("year:", "year:"),
        ("is:maybe", "is:"),
        ("has:wings", "has:"),
    ],
)
def test_malformed_queries_raise_a_short_hint(text, hint):
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    message = str(caught.value)
    assert hint in message
    assert 0 < len(message) <= 120 and "\n" not in message


@pytest.mark.parametrize("text", ["foo:bar", "titel:diffusion", "Re:Imagen"])
def test_an_unknown_field_is_plain_words_as_the_readme_says(text):
    [clause] = parse_query(text).clauses
    assert [atom.field for atom in clause.atoms] == ["any"]
    assert clause.atoms[0].words == tuple(w.lower() for w in text.split(":"))


def test_query_error_is_a_value_error():
    assert issubclass(QueryError, ValueError)


def test_help_documents_every_field_with_examples():
    examples = [word for example, _ in SYNTAX for word in example.split()]
    assert {word.split(":")[0] for word in examples if ":" in word} == set(FIELD_NAMES)
    for example in ('"state', "|", "-survey", "year:>=2023"):
        assert example in examples


# --- properties -------------------------------------------------------------------------

QUERYISH = st.lists(
    st.sampled_from(list('ab xyz:|-"() 12.\t') + ["title:", "is:", "year:", "tag:", "é", "ﬁ", "\u0301", "read"]),
    max_size=25,
).map("".join)


@given(st.one_of(st.text(max_size=60), QUERYISH))
@settings(max_examples=400, deadline=None)
def test_any_text_parses_or_gives_a_hint(text):
    try:
        query = parse_query(text)
    except QueryError as error:
        assert str(error)
        return
    assert isinstance(query, Query)
    for clause in query.clauses:
        assert isinstance(clause, Clause) and clause.atoms
        assert not (clause.negated and len(clause.atoms) > 1)
        for atom in clause.atoms:
            if atom.is_text:
                assert atom.words and all(w == w.casefold() and w.isalnum() for w in atom.words)


@given(st.lists(st.from_regex(r"[A-Za-z][a-z0-9]{0,8}", fullmatch=True), min_size=1, max_size=6))
@settings(deadline=None)
def test_plain_words_make_one_clause_each(plain):
    query = parse_query(" ".join(plain))
    assert [c.atoms[0].words for c in query.clauses] == [(w.casefold(),) for w in plain]
    assert not any(c.negated for c in query.clauses)


@given(st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=2, max_size=5))
@settings(deadline=None)
def test_bars_make_one_or_group(plain):
    (clause,) = parse_query(" | ".join(plain)).clauses
    assert [a.words[0] for a in clause.atoms] == plain

"""TeX shown readably: what people see in titles, abstracts and author names."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.tex import tex_to_text


@pytest.mark.parametrize(
    "raw, shown",
    [
        # the issue's own examples
        (r"$\alpha$-divergence", "α-divergence"),
        (r"reaches 27.55\% win rate", "reaches 27.55% win rate"),
        (r"Bal\'azs", "Balázs"),
        # accents in every spelling real .bib and arXiv files use
        (r"Poincar\'e and {\'e}cole and Poincar{\'{e}}", "Poincaré and école and Poincaré"),
        (r"Schr\"odinger, M{\"u}ller, \"{o}", "Schrödinger, Müller, ö"),
        (r"Gar\c{c}on \v{S}r\'amek Bro\v{n}a \c c", "Garçon Šrámek Broňa ç"),
        (r"\L ukasz, \l{}\'od\'z, Bj\o rn, Stra\ss e, Fran\c{c}ois", "Łukasz, łódź, Bjørn, Straße, François"),
        (r"\'{\i}ndice, Ji\v{r}\'{\i}", "índice, Jiří"),
        (r"Erd\H{o}s, \~{n}, \^{o}", "Erdős, ñ, ô"),
        # brace-protected capitals, font commands, quotes, dashes
        (r"A {B}ayesian {LLM} View", "A Bayesian LLM View"),
        (r"\emph{this} and \textbf{\textit{that}} and {\em old style}", "this and that and old style"),
        (r"\textsc{AIEV-Instruct}", "AIEV-Instruct"),
        (r"``cold-start'' format", "“cold-start” format"),
        (r"Efron--Stein and 1--2 and yes---no", "Efron–Stein and 1–2 and yes—no"),
        (r"\& \_ \# \$5", "& _ # $5"),
        (r"Fig.~3 shows ~10x gains", "Fig. 3 shows ~10x gains"),
        # math as it appears in the corpora
        (r"$\nabla^2$DFT", "∇²DFT"),
        (r"L$^2$M and SL$^{2}$A-INR", "L²M and SL²A-INR"),
        (r"LLM$\times$MapReduce", "LLM×MapReduce"),
        (r"$1\le d\le 2$ and $d\ge3$", "1 ≤ d ≤ 2 and d ≥ 3"),
        (r"the $(k,\ell)$-pebble game", "the (k,ℓ)-pebble game"),
        (r"$\mathcal{O}(n^2)$ time, $x \in \mathbb{R}^d$", "O(n²) time, x ∈ ℝᵈ"),
        (r"$\Omega(c^{1/3}T^{2/3})$", "Ω(c^(1/3)T^(2/3))"),
        (r"$x_{ij}^{-1}$, $\frac{1}{2}$, $\sqrt{x+1}$", "xᵢⱼ⁻¹, 1/2, √(x+1)"),
        (r"$\textit{Trans-LoRA}$: towards", "Trans-LoRA: towards"),
        (r"$\text{Transformer}^2$", "Transformer²"),
        (r"$(ξ_1, ξ_2, \dots)$", "(ξ₁, ξ₂, …)"),
        (r"$50\%$ of $\{1,2\}$", "50% of {1,2}"),
        (r"Toward L_\infty Recovery", "Toward L_∞ Recovery"),
    ],
)
def test_tex_is_shown_readably(raw, shown):
    assert tex_to_text(raw) == shown


@pytest.mark.parametrize(
    "plain",
    ["Plain title: no TeX at all", "snake_case and a^b outside math", "C++ & Rust 100%", "~30% faster", "--flag"],
)
def test_plain_text_is_left_alone(plain):
    assert tex_to_text(plain) == plain


def test_unknown_commands_stay_visible_rather_than_vanish():
    assert tex_to_text(r"as shown by \cite{smith20}, \ours{} wins") == r"as shown by \cite{smith20}, \ours{} wins"
    assert tex_to_text(r"\LaTeX is fine") == r"\LaTeX is fine"


def test_unbalanced_braces_and_dollars_do_not_swallow_text():
    assert tex_to_text("an { open brace and $5 only") == "an { open brace and $5 only"
    assert tex_to_text("{B}ayes } closed") == "Bayes } closed"


def test_text_that_mimics_internal_placeholders_is_harmless():
    assert tex_to_text("\x000\x01 and \x009\x01 $a$") == "0 and 9 a"


def test_paragraph_breaks_survive():
    assert tex_to_text("First $\\alpha$.\n\nSecond.") == "First α.\n\nSecond."


def test_fast_enough_for_a_keystroke():
    abstract = (r"We show $\mathcal{O}(n^2)$ bounds for Poincar\'e-type inequalities with $\alpha\le 1$. " * 20).strip()
    start = time.perf_counter()
    for i in range(200):
        tex_to_text(abstract + str(i))  # distinct strings: no help from the cache
    assert (time.perf_counter() - start) / 200 < 0.005


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("\\${}^_~'`\"-aAeio12 ") + ["\\'", "\\frac", "\\alpha"]), max_size=60).map("".join))
def test_any_text_renders_without_error_or_leftover_placeholders(text):
    shown = tex_to_text(text)
    assert isinstance(shown, str) and "\x00" not in shown and "\x01" not in shown


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ09 _-.,:{}\\$^'\"`~&%#é\u00a0ﬁ\u212a\u0130\u0301"), max_size=30))
def test_a_title_normalises_as_nfkc_casefolded_words_however_it_is_written(title):
    """Two spellings of one title share the form: TeX rendered, NFKC, casefolded,
    each run of punctuation one space (ASCII takes a shortcut to the same words)."""
    import re
    import unicodedata

    from reader.models import normalise_title
    from reader.tex import tex_to_text

    folded = unicodedata.normalize("NFKC", tex_to_text(title)).casefold()
    assert normalise_title(title) == " ".join(re.sub(r"[\W_]+", " ", folded).split())

"""TeX in titles, abstracts and names, rendered as readable Unicode for display.

The store keeps the raw text; this runs only when something is shown. It is
not a TeX engine: it knows the markup that real arXiv and BibTeX metadata
uses (accents, Greek, common math, font commands, brace-protected capitals)
and leaves anything else as written, so nothing silently disappears.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
    "t": "\u0361",
}
_SPACING_ACCENTS = {"'": "´", "`": "`", "^": "^", '"': "¨", "~": "~", "=": "¯", ".": "˙"}
_MATH_ACCENTS = {
    "hat": "\u0302",
    "widehat": "\u0302",
    "tilde": "\u0303",
    "widetilde": "\u0303",
    "bar": "\u0304",
    "overline": "\u0305",
    "vec": "\u20d7",
    "dot": "\u0307",
    "ddot": "\u0308",
    "acute": "\u0301",
    "grave": "\u0300",
    "check": "\u030c",
    "breve": "\u0306",
}
_GREEK = (
    "alpha α beta β gamma γ delta δ epsilon ϵ varepsilon ε zeta ζ eta η theta θ vartheta ϑ "
    "iota ι kappa κ lambda λ mu μ nu ν xi ξ omicron ο pi π varpi ϖ rho ρ varrho ϱ sigma σ "
    "varsigma ς tau τ upsilon υ phi ϕ varphi φ chi χ psi ψ omega ω Gamma Γ Delta Δ Theta Θ "
    "Lambda Λ Xi Ξ Pi Π Sigma Σ Upsilon Υ Phi Φ Psi Ψ Omega Ω"
)
_SYMBOLS = (
    "le ≤ leq ≤ ge ≥ geq ≥ neq ≠ ne ≠ approx ≈ sim ∼ simeq ≃ cong ≅ equiv ≡ propto ∝ "
    "ll ≪ gg ≫ in ∈ notin ∉ ni ∋ subset ⊂ subseteq ⊆ supset ⊃ supseteq ⊇ cup ∪ cap ∩ "
    "setminus ∖ to → rightarrow → leftarrow ← gets ← Rightarrow ⇒ Leftarrow ⇐ "
    "leftrightarrow ↔ Leftrightarrow ⇔ implies ⟹ iff ⟺ mapsto ↦ uparrow ↑ downarrow ↓ "
    "infty ∞ partial ∂ nabla ∇ sum ∑ prod ∏ int ∫ oint ∮ times × cdot · cdots ⋯ ldots … "
    "dots … vdots ⋮ ddots ⋱ pm ± mp ∓ div ÷ circ ∘ star ⋆ ast ∗ bullet • top ⊤ bot ⊥ "
    "perp ⊥ parallel ∥ mid ∣ forall ∀ exists ∃ nexists ∄ emptyset ∅ varnothing ∅ neg ¬ "
    "lnot ¬ land ∧ lor ∨ wedge ∧ vee ∨ oplus ⊕ otimes ⊗ odot ⊙ langle ⟨ rangle ⟩ "
    "lceil ⌈ rceil ⌉ lfloor ⌊ rfloor ⌋ prime ′ sqrt √ ell ℓ hbar ℏ Re ℜ Im ℑ aleph ℵ "
    "dagger † ddagger ‡ angle ∠ triangle △ square □ checkmark ✓ degree ° prec ≺ succ ≻ "
    "preceq ⪯ succeq ⪰ vdash ⊢ models ⊨ coloneqq ≔ triangleq ≜ lesssim ≲ gtrsim ≳ "
    "S § P ¶ copyright © textregistered ® texttrademark ™ pounds £ euro € textdegree ° "
    "textasciitilde ~ textasciicircum ^ textbackslash \\ textbar | textless < textgreater > "
    "textbullet • textellipsis … textendash – textemdash — textquoteleft ‘ textquoteright ’ "
    "textquotedblleft “ textquotedblright ” guillemotleft « guillemotright » "
    "textbraceleft { textbraceright } textunderscore _ textdollar $ "
    "quad \u2003 qquad \u2003\u2003 Vert ‖ lVert ‖ rVert ‖ vert | lvert | rvert | eg e.g. ie i.e. etal et al. deg deg "
    "log log ln ln exp exp max max min min sup sup inf inf lim lim arg arg det det dim dim "
    "ker ker sin sin cos cos tan tan Pr Pr argmax argmax argmin argmin"
)
_RELATIONS = set("≤≥≠≈∼≃≅≡∝≪≫∈∉∋⊂⊆⊃⊇→←⇒⇐↔⇔⟹⟺↦≺≻⪯⪰⊢⊨≔≜≲≳")
_LETTERS = {
    "l": "ł",
    "L": "Ł",
    "o": "ø",
    "O": "Ø",
    "ss": "ß",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "i": "ı",
    "j": "ȷ",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "ng": "ŋ",
    "NG": "Ŋ",
    "dj": "đ",
    "DJ": "Đ",
}
_WORDS = dict(zip(*[iter((_GREEK + " " + _SYMBOLS).split())] * 2, strict=False))
_BLACKBOARD = dict(zip("RNZQCEPHF1", "ℝℕℤℚℂ𝔼ℙℍ𝔽𝟙", strict=True))
_SUPER = str.maketrans(
    "0123456789+-=()niabcdefghjklmoprstuvwxyzABDEGHIJKLMNOPRTUVW*", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ*"
)
_SUB = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUPER_OK = set("0123456789+-=()niabcdefghjklmoprstuvwxyzABDEGHIJKLMNOPRTUVW*")
_SUB_OK = set("0123456789+-=()aehijklmnoprstuvx")

# Commands whose only job is typography: `\emph{x}` -> x.
_STYLE = (
    r"emph|textbf|textit|texttt|textsc|textrm|textsf|textsl|textup|textnormal|textmd|"
    r"underline|uline|mbox|hbox|text|mathrm|mathbf|mathit|mathsf|mathtt|mathnormal|"
    r"boldsymbol|bm|mathcal|mathscr|mathfrak|operatorname\*?|url|nolinkurl|ensuremath|"
    r"textsuperscript|textsubscript|small|footnotesize|large|Large|normalsize"
)
_GROUP = r"\{((?:[^{}]|\{[^{}]*\})*)\}"  # one brace group, one level of nesting inside

_TRIGGERS = re.compile(r"[\\${}~]|``|''|--")
_ESCAPED = re.compile(r"\\([%&_#$])")
_MATH = re.compile(r"\$\$([^$]+)\$\$|\$([^$]+)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_ACCENT = re.compile(
    r"\\([\'`^\"~=.])\s*(?:\{(\\?[A-Za-z]?)\}|(\\[ij](?![A-Za-z])|[A-Za-z]))"
    r"|\\([uvHckrdbt])(?:\{(\\?[A-Za-z]?)\}|\s+([A-Za-z]))"
)
_LETTER = re.compile(r"\\(" + "|".join(sorted(_LETTERS, key=len, reverse=True)) + r")(?![A-Za-z])(?:\{\}|\s*)")
_STYLED = re.compile(r"\\(?:" + _STYLE + r")(?![A-Za-z])\s*(?:" + _GROUP + r"|([A-Za-z0-9]))")
_SWITCH = re.compile(r"\{\\(?:em|bf|it|sc|tt|rm|sf|sl|cal|itshape|bfseries|scshape|ttfamily|upshape)(?![A-Za-z])\s*")
_HREF = re.compile(r"\\href\s*" + _GROUP + r"\s*" + _GROUP)
_FRAC = re.compile(r"\\(?:[dt]?frac|nicefrac)\s*(?:" + _GROUP + r"|(\w))\s*(?:" + _GROUP + r"|(\w))")
_SQRT = re.compile(r"\\sqrt\s*" + _GROUP)
_MATH_ACCENT = re.compile(r"\\(" + "|".join(_MATH_ACCENTS) + r")(?![A-Za-z])\s*(?:" + _GROUP + r"|(\\?[A-Za-z]))")
_MATHBB = re.compile(r"\\mathbb\s*(?:\{([A-Za-z1])\}|([A-Za-z1]))")
_WORD = re.compile(r"\\([A-Za-z]+)(?![A-Za-z])(\{\})?")
_SCRIPT = re.compile(r"([\^_])\s*(?:\{([^{}]*)\}|([^\s{}\\^_\x00\x01]))")
_SIZING = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)[lrm]?(?![A-Za-z])\s*\.?")
_SPACING = re.compile(r"\\[,;:! ]|\\quad(?![A-Za-z])|\\qquad(?![A-Za-z])")
_UNKNOWN = re.compile(r"\\[A-Za-z]+\*?(?:\[[^\]]*\])?(?:\{[^{}]*\})+")
_TIE = re.compile(r"(?<=[\w.,;:)])~(?=[\w\\(])")
_BRACES = re.compile(r"[{}]")
_SPACES = re.compile(r"(?<=\S)  +")
# Characters TeX makes with a command; kept aside so no later step takes them
# for markup (a `{` for a group, a `\\` for a command).
_LITERALS = {
    "{": "{",
    "}": "}",
    "textbraceleft": "{",
    "textbraceright": "}",
    "lbrace": "{",
    "rbrace": "}",
    "textbackslash": "\\",
    "backslash": "\\",
}
_LITERAL = re.compile(r"\\(?:([{}])|(textbrace(?:left|right)|[lr]brace|textbackslash|backslash)(?![A-Za-z])(?:\{\}| *))")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x01")
_FLAG = re.compile(r"(?<!\S)--(?=[A-Za-z])")  # `--flag` in prose is not a dash


@lru_cache(maxsize=4096)
def tex_to_text(text: str) -> str:
    """`$\\alpha$-Poincar\\'e {B}ayesian 50\\%` -> `α-Poincaré Bayesian 50%`."""
    if not text or not _TRIGGERS.search(text):
        return text
    text = text.replace("\x00", "").replace("\x01", "")  # reserved for placeholders below
    stash: list[str] = []

    def keep(value: str) -> str:
        stash.append(value)
        return f"\x00{len(stash) - 1}\x01"

    # Escaped specials first, so `\$` is never a math delimiter and `\%` never a command.
    text = _ESCAPED.sub(lambda m: keep(m.group(1)), text.replace("\\\\", " "))
    text = _LITERAL.sub(lambda m: keep(_LITERALS[m.group(1) or m.group(2)]), text)
    text = _MATH.sub(lambda m: keep(_math(next(g for g in m.groups() if g is not None), keep)), text)
    text = _text_mode(text, keep)
    # Stashed pieces may hold stashed pieces (`$50\%$`), hence the loop.
    for _ in range(4):
        if "\x00" not in text:
            break
        text = _PLACEHOLDER.sub(lambda m: stash[int(m.group(1))] if int(m.group(1)) < len(stash) else "", text)
    return text


def _text_mode(text: str, keep) -> str:
    text = _accents(text)
    text = _HREF.sub(lambda m: m.group(2), text)
    for _ in range(3):  # nested styles: \textbf{\emph{x}}
        text = _STYLED.sub(_styled, text)
    text = _SWITCH.sub("{", text)
    text = _symbols(text)
    text = _SPACING.sub(" ", text)
    text = text.replace("---", "—")
    text = _FLAG.sub(lambda m: keep("--"), text)
    text = text.replace("--", "–").replace("``", "“").replace("''", "”")
    text = _TIE.sub(" ", text)
    # Unknown commands stay as written; only bare grouping braces ({B}ayesian) go.
    text = _UNKNOWN.sub(lambda m: keep(m.group()), text)
    return _SPACES.sub(" ", _ungroup(text))


def _ungroup(text: str) -> str:
    """Drop the braces that pair up (TeX grouping); a lone one is a real brace."""
    if "{" not in text and "}" not in text:
        return text
    opened: list[int] = []
    drop: set[int] = set()
    for brace in _BRACES.finditer(text):
        if brace.group() == "{":
            opened.append(brace.start())
        elif opened:
            drop.update((opened.pop(), brace.start()))
    return "".join(c for i, c in enumerate(text) if i not in drop)


def _math(body: str, keep) -> str:
    body = _accents(body)
    body = _SIZING.sub("", body)
    body = _MATHBB.sub(lambda m: _BLACKBOARD.get(m.group(1) or m.group(2), m.group(1) or m.group(2)), body)
    body = _MATH_ACCENT.sub(_math_accent, body)
    for _ in range(3):
        body = _STYLED.sub(_styled, body)
    body = _SWITCH.sub("{", body).replace("\\|", "‖")
    body = _FRAC.sub(_fraction, body)
    body = _SQRT.sub(lambda m: "√" + _wrap(m.group(1)), body)
    body = _symbols(body, math=True)
    body = _SPACING.sub(" ", body)
    body = _SCRIPT.sub(_script, body)
    body = _UNKNOWN.sub(lambda m: keep(m.group()), body)
    return " ".join(body.replace("{", "").replace("}", "").split())


def _accents(text: str) -> str:
    def accent(match: re.Match) -> str:
        mark = _ACCENTS[match.group(1) or match.group(4)]
        base = next((g for g in match.groups()[1:3] + match.groups()[4:] if g), "")
        if base.startswith("\\"):
            base = _LETTERS.get(base[1:], base[1:])
        if base == "ı":  # \'{\i} is a dotless i with an accent: í
            base = "i"
        if not base:  # \~{} is how TeX writes a plain tilde
            return _SPACING_ACCENTS.get(match.group(1) or match.group(4), "")
        return unicodedata.normalize("NFC", base + mark)

    text = _ACCENT.sub(accent, text)
    return _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)


def _symbols(text: str, math: bool = False) -> str:
    def word(match: re.Match) -> str:
        symbol = _WORDS.get(match.group(1))
        if symbol is None:
            return match.group()
        # TeX sets relations apart with space; without it `1\le d` reads `1≤ d`.
        return f" {symbol} " if math and symbol in _RELATIONS else symbol

    return _WORD.sub(word, text)


def _styled(match: re.Match) -> str:
    return match.group(1) if match.group(1) is not None else match.group(2)


def _math_accent(match: re.Match) -> str:
    base = match.group(2) or match.group(3) or ""
    base = _symbols(base)
    if len(base) == 1:
        return unicodedata.normalize("NFC", base + _MATH_ACCENTS[match.group(1)])
    return base


def _fraction(match: re.Match) -> str:
    top = match.group(1) if match.group(1) is not None else match.group(2)
    bottom = match.group(3) if match.group(3) is not None else match.group(4)
    return f"{_wrap(top)}/{_wrap(bottom)}"


def _wrap(part: str) -> str:
    part = part.strip()
    return part if len(part) <= 1 or part.isalnum() else f"({part})"


def _script(match: re.Match) -> str:
    mark, body = match.group(1), match.group(2) if match.group(2) is not None else match.group(3)
    body = _symbols(body).replace(" ", "")
    allowed, table = (_SUPER_OK, _SUPER) if mark == "^" else (_SUB_OK, _SUB)
    if body and all(c in allowed for c in body):
        return body.translate(table)
    if body in ("′", "\\prime"):
        return "′"
    return f"{mark}{body}" if len(body) == 1 else f"{mark}({body})"

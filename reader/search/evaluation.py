"""Matching: the documents one query word, phrase or filter matches, and how well.

A word is looked up in the postings (with its expansion: prefixes, near
spellings), or, when a narrowed search has few candidates left, checked by
reading their text (`_word_within`: the same levels, found another way). Phrases
are checked against the text of the papers that have all their words. Filters
(year:, has:code, src:, id:, doi:, venue:, cat:) read the facts;
is:, tag:, note: and key: ask the person's state (key: also the key a paper would
get). `Matching` is a part of `SearchIndex`; the index decides what to match and
in what order.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection, MutableSequence
from itertools import chain, islice

import numpy as np

from reader.citation import citation_key, first_keys
from reader.models import BLANK_STATE, Paper, PaperState
from reader.query import Atom, Clause, Query
from reader.related import STOP_WORDS
from reader.search.docset import DTYPE, EMPTY, DocSet
from reader.search.facts import Facts
from reader.search.postings import ABSTRACT, AUTHOR, FIELDS_OF, TITLE, Docs, Part
from reader.search.ranking import EXACT, FPREFIX, FUZZY1, FUZZY2, PREFIX, Evaluated, Kinds, evaluated
from reader.search.vocabulary import Expansion, Vocabulary, bracket, expand
from reader.words import fold, words

_ABSTRACT_TEXTS = 30_000  # folded abstracts kept for phrase checks and narrowing (~40 MB at most)
_EXPANSIONS_KEPT = 512  # query words whose expansion is kept


class Matching:
    """How `SearchIndex` matches atoms: what it reads of the index is declared here."""

    _papers: MutableSequence[Paper]  # a library's stay in its paper file (see papertable)
    _facts: Facts
    _parts: list[list[Part]]  # by field number
    _vocab: Vocabulary
    _all: DocSet
    _expansions: OrderedDict[str, Expansion]
    _abstract_text: dict[int, str]  # folded abstracts, padded
    _surnames: tuple[list[str], list[int]] | None  # see _key_surnames; None when the index changed

    def _expand(self, q: str) -> Expansion:
        """What the query word q matches, kept for the words searched lately."""
        cached = self._expansions.get(q)
        if cached is not None:
            self._expansions.move_to_end(q)
            return cached
        expansion = self._expansions[q] = expand(q, self._vocab, self._df)
        if len(self._expansions) > _EXPANSIONS_KEPT:
            self._expansions.popitem(last=False)
        return expansion

    def _covers(self, before: str, after: str) -> bool:
        """Does the query word `before` match every indexed word `after` (typed further,
        same rules) matches? Its prefix matches all words beginning with `after`; the
        near spellings of `after` must be found among those of `before`."""
        old, new = self._expand(before), self._expand(after)
        starts = (before, *old.near_prefixes)
        words = all(w.startswith(starts) or w in old.near for w in new.near)
        return words and all(p.startswith(starts) for p in new.near_prefixes)

    def _df(self, word: str) -> int:
        return sum(part.df(word) for parts in self._parts for part in parts)

    def _postings_cost(self, expansion: Expansion, fields: tuple[int, ...]) -> int:
        cost = 0
        for f in fields:
            for part in self._parts[f]:
                if f in expansion.prefix_fields:
                    cost += part.prefixed_size(expansion.q)
                else:
                    cost += part.df(expansion.q)
                cost += sum(part.df(w) for w in expansion.near)
                cost += sum(part.prefixed_size(p) for p in expansion.near_prefixes)
        return cost

    def _collect(
        self, f: int, words: Collection[str] = (), prefixes: Collection[str] = (), *, longer_only: bool = False
    ) -> DocSet:
        """The documents whose field f has one of `words` or a word beginning with one of
        `prefixes` (`longer_only`: not that word itself)."""
        docs = EMPTY
        for part in self._parts[f]:
            views = chain(map(part.word, words), (part.prefixed(p, longer_only) for p in prefixes))
            found = DocSet.union_of(view for view in views if view is not None)
            if part.dead:
                found = found - part.dead
            docs = found if not docs else docs | found
        return docs

    def _word(self, expansion: Expansion, fields: tuple[int, ...]) -> Evaluated:
        q = expansion.q
        near1 = [w for w, d in expansion.near.items() if d <= 1]
        near2 = [w for w, d in expansion.near.items() if d >= 2]
        per_field: list[tuple[int, Kinds]] = []
        for f in fields:
            kinds: Kinds = [(EXACT, self._collect(f, (q,)))]
            if f in expansion.prefix_fields:
                kinds.append((PREFIX, self._collect(f, prefixes=(q,), longer_only=True)))
            if near1:
                kinds.append((FUZZY1, self._collect(f, near1)))
            if near2:
                kinds.append((FUZZY2, self._collect(f, near2)))
            if expansion.near_prefixes:
                kinds.append((FPREFIX, self._collect(f, prefixes=expansion.near_prefixes)))
            per_field.append((f, kinds))
        return evaluated(per_field)

    def _field_text(self, f: int, docno: int) -> str:
        """A field as folded words between spaces, padded: " vision  transformers "."""
        if f == TITLE:
            return self._facts.titles[docno]
        if f == AUTHOR:
            return self._facts.authors[docno]
        text = self._abstract_text.get(docno)
        if text is None:
            if len(self._abstract_text) >= _ABSTRACT_TEXTS:  # forget the older half
                for old in list(islice(self._abstract_text, _ABSTRACT_TEXTS // 2)):
                    del self._abstract_text[old]
            text = self._abstract_text[docno] = " " + fold(self._papers[docno].abstract) + " "
        return text

    def _phrase_text(self, f: int, docno: int) -> str:
        """As `_field_text`, but with " | " between authors, so a phrase never spans two."""
        if f == AUTHOR:
            return " " + " | ".join(" ".join(words(a)) for a in self._papers[docno].authors) + " "
        return self._field_text(f, docno)

    def _word_within(self, expansion: Expansion, fields: tuple[int, ...], within: Docs) -> Evaluated:
        """The same levels as `_word`, found by reading the few candidate papers instead."""
        q = expansion.q
        exact_needle, prefix_needle = f" {q} ", f" {q}"
        near1 = [f" {w} " for w, d in expansion.near.items() if d <= 1]
        near2 = [f" {w} " for w, d in expansion.near.items() if d >= 2]
        near_prefixes = [f" {p}" for p in expansion.near_prefixes]
        per_field: list[tuple[int, Kinds]] = []
        for f in fields:
            exact, prefix, fuzzy1, fuzzy2, fprefix = set(), set(), set(), set(), set()
            allow_prefix = f in expansion.prefix_fields
            for docno in within:
                text = self._field_text(f, docno)
                if exact_needle in text:
                    exact.add(docno)
                elif allow_prefix and prefix_needle in text:
                    prefix.add(docno)
                elif near1 and any(n in text for n in near1):
                    fuzzy1.add(docno)
                elif near2 and any(n in text for n in near2):
                    fuzzy2.add(docno)
                elif near_prefixes and any(n in text for n in near_prefixes):
                    fprefix.add(docno)
            per_field.append((f, [(EXACT, exact), (PREFIX, prefix), (FUZZY1, fuzzy1), (FUZZY2, fuzzy2), (FPREFIX, fprefix)]))
        return evaluated(per_field)

    def _phrase(self, atom: Atom, within: Docs | None) -> Evaluated:
        """Quoted phrases: exact words, in order. (Unquoted, as in -state-of-the-art, the
        last word may be a prefix.)"""
        parts_words = atom.words
        last_prefix = not atom.phrase
        exact_pattern = re.compile(" " + " +".join(map(re.escape, parts_words)) + " ")
        prefix_pattern = re.compile(" " + " +".join(map(re.escape, parts_words)))
        per_field: list[tuple[int, Kinds]] = []
        last = parts_words[-1]
        for f in FIELDS_OF[atom.field]:
            candidates: Docs | None = None
            for word in sorted(parts_words[:-1], key=lambda w: self._df(w)):
                found = self._collect(f, (word,))
                candidates = found if candidates is None else candidates & found
                if not candidates:
                    break
            if candidates is None or (candidates and not last_prefix):
                found = self._collect(f, prefixes=(last,)) if last_prefix else self._collect(f, (last,))
                candidates = found if candidates is None else candidates & found
            if within is not None:
                candidates &= within
            exact, prefix = set(), set()
            for docno in candidates:
                text = self._phrase_text(f, docno)
                if exact_pattern.search(text):
                    exact.add(docno)
                elif last_prefix and prefix_pattern.search(text):
                    prefix.add(docno)
            per_field.append((f, [(EXACT, exact), (PREFIX, prefix)]))
        return evaluated(per_field)

    def _filter_docs(self, atom: Atom) -> Docs:
        if atom.field == "year":
            year = np.frombuffer(self._facts.year, dtype=np.uint16)  # 0: unknown, never in a range
            return DocSet(np.flatnonzero((year > 0) & (year >= atom.low) & (year <= atom.high)).astype(DTYPE))
        if atom.field == "has":
            return set(self._facts.has_code)
        if atom.field == "src":
            return self._facts.src_docs(atom.value)
        if atom.field == "doi":
            return {d for d, doi in enumerate(self._facts.dois) if doi and doi.startswith(atom.value)}
        if atom.field == "cat":
            return self._facts.cat_docs(atom.value)
        if atom.field == "venue":
            return {d for d, venue in enumerate(self._facts.venues) if venue and _venue_matches(atom, venue)}
        if atom.field == "id":
            value = atom.value.casefold()
            docno = self._facts.arxiv.get(value)
            if docno is None:
                docno = self._facts.docno.get(atom.value)
                if docno is None:
                    docno = next((d for i, d in self._facts.docno.items() if i.casefold() == value), None)
            return {docno} if docno is not None else set()
        return set()

    def _state_docs(self, atom: Atom, state_of: Callable[[str], PaperState], stateful_ids: Collection[str] | None) -> Docs:
        if atom.field == "key":
            return self._key_docs(atom.value, state_of, stateful_ids)
        test = state_test(atom)
        if stateful_ids is None:
            return {d for d, i in enumerate(self._facts.ids) if test(state_of(i))}
        known = [self._facts.docno[i] for i in stateful_ids if i in self._facts.docno]
        if test(BLANK_STATE):
            return self._all - {d for d in known if not test(state_of(self._facts.ids[d]))}
        return {d for d in known if test(state_of(self._facts.ids[d]))}

    def _deferred(self, clause: Clause, candidates: Collection[int], state_of: Callable[[str], PaperState]) -> set[int]:
        tests = [self._doc_test(atom, state_of) for atom in clause.atoms]
        if clause.negated:
            return {d for d in candidates if not any(t(d) for t in tests)}
        return {d for d in candidates if any(t(d) for t in tests)}

    def _doc_test(self, atom: Atom, state_of: Callable[[str], PaperState]) -> Callable[[int], bool]:
        if atom.field == "key":  # a key not yet chosen depends on the paper's twins: found together
            return self._key_docs(atom.value, state_of, None).__contains__
        test, ids = state_test(atom), self._facts.ids
        return lambda d: test(state_of(ids[d]))

    def _key_docs(self, start: str, state_of: Callable[[str], PaperState], stateful_ids: Collection[str] | None) -> Docs:
        """The papers whose citation key starts with `start`: the key in their state
        (chosen at an export or copy, or the person's), else the one `y k` would
        choose now (`citation.first_keys`). Choosing every paper's key would take
        ~2 s at 100k; a key begins with its first author's surname, so only the
        papers with a surname `start` could begin with are keyed, and where `start`
        ends within the surname, none needs to be."""
        docno = self._facts.docno
        stored: dict[int, str] = {}
        taken: set[str] = set()  # of every paper, in the library or not, as `Library.keyed` has it
        for pid in self._facts.ids if stateful_ids is None else stateful_ids:
            if key := state_of(pid).key:
                taken.add(key.casefold())
                if pid in docno:
                    stored[docno[pid]] = key
        found = {d for d, key in stored.items() if key.casefold().startswith(start)}
        letters = re.match(r"[a-z]*", start).group()  # type: ignore[union-attr]  # always matches
        if not letters:
            return found  # a key begins with a letter, but for the rare surname that begins with a digit
        surnames, docs = self._key_surnames()
        begun = docs[bisect_left(surnames, letters) : bisect_left(surnames, letters + "\x7f")]
        if start == letters:  # it ends within the surname: every paper with one so begun matches
            found.update(d for d in begun if d not in stored)
            begun = []
        for n in range(1, len(letters)):  # a shorter surname the key goes on past: `lee` + `listing`
            begun += docs[bisect_left(surnames, letters[:n]) : bisect_right(surnames, letters[:n])]
        twins: defaultdict[str, list[int]] = defaultdict(list)
        for d in sorted(begun):  # document order: the order they came
            twins[citation_key(self._papers[d])].append(d)
        for base, group in twins.items():
            if base.startswith(start) or start.startswith(base):  # start may hold a b, c... suffix
                unkeyed = [d for d in group if d not in stored]
                found.update(d for d, key in first_keys(base, unkeyed, set(taken)).items() if key.startswith(start))
        return found

    def _key_surnames(self) -> tuple[list[str], list[int]]:
        """Every paper's `key_surname`, sorted, and the document of each: made at the
        first key: search after the index changed, from the facts' column (reading it
        from the papers decoded every one: seconds at 100k papers)."""
        if self._surnames is None:
            pairs = sorted((surname, d) for d, surname in enumerate(self._facts.surnames))
            self._surnames = [s for s, _ in pairs], [d for _, d in pairs]
        return self._surnames

    def _negative(
        self,
        clause: Clause,
        candidates: Docs,
        state_of: Callable[[str], PaperState],
        stateful_ids: Collection[str] | None,
    ) -> Docs:
        """What a -clause takes away: its words as whole words or prefixes (never typos)."""
        atom = clause.atoms[0]
        if atom.is_state:
            return self._state_docs(atom, state_of, stateful_ids)
        if not atom.is_text:
            return self._filter_docs(atom)
        if len(atom.words) > 1 or atom.phrase:
            return self._phrase(atom, candidates).docs
        q = atom.words[0]
        docs: set[int] = set()
        for f in FIELDS_OF[atom.field]:
            docs |= self._collect(f, prefixes=(q,)) if len(q) >= 3 or f != ABSTRACT else self._collect(f, (q,))
        return docs

    def _terms(self, atoms: list[Atom], *, closest: bool = False) -> set[str]:
        """The terms to highlight for `atoms`. `closest`: only what closest matches
        count, no stop words (highlighted in every abstract, they would hide the words
        that matched), and a word of one or two letters whole: as a prefix, "a" would
        mark every word beginning with an a."""
        terms: set[str] = set()
        for atom in atoms:
            if atom.phrase:
                terms.add(" ".join(atom.words))
                continue
            for word in atom.words:
                if closest and word in STOP_WORDS:
                    continue
                found = self._expand(word).terms()
                if closest and len(word) < 3:
                    found.discard(word + "*")
                terms |= found
        return terms


# What people call a venue, as its proceedings spell it ("Advances in Neural Information...").
_VENUE_NAMES = {
    "neurips": "neural information processing systems",
    "nips": "neural information processing systems",
    "icml": "international conference on machine learning",
    "iclr": "learning representations",
    "colt": "conference on learning theory",
    "uai": "uncertainty in artificial intelligence",
    "aistats": "artificial intelligence and statistics",
    "cvpr": "computer vision and pattern recognition",
    "acl": "association for computational linguistics",
    "jmlr": "journal of machine learning research",
}


def _venue_matches(atom: Atom, venue: str) -> bool:
    """Every word of venue: starts a word of the venue (`venue:neur` finds NeurIPS), or,
    for one known short name, the venue spells it out."""
    text = " " + " ".join(words(venue)) + " "
    if all(f" {w}" in text for w in atom.words):
        return True
    spelled = _VENUE_NAMES.get(atom.value)
    return spelled is not None and f" {spelled} " in text


def state_test(atom: Atom) -> Callable[[PaperState], bool]:
    if atom.field == "tag":
        value = atom.value
        return lambda s: any(t.casefold().startswith(value) for t in s.tags)
    if atom.field == "note":
        # words in order, the last by prefix: note:"read ag" finds "read again"
        needle = " " + atom.value
        return lambda s: needle in " " + " ".join(words(s.note)) if s.note else False
    return {
        "bookmarked": lambda s: s.bookmarked,
        "read": lambda s: s.read,
        "unread": lambda s: not s.read,
        "tagged": lambda s: bool(s.tags),
        "noted": lambda s: bool(s.note.strip()),
        "inbox": lambda s: s.in_inbox,
        "dismissed": lambda s: s.dismissed,
    }[atom.value]


def narrows(old: Query, new: Query, covers: Callable[[str, str], bool]) -> bool:
    """Is every paper matching `new` sure to match `old` (so old's result can be the start)?

    True when `new` is `old` with more clauses and/or its last clause typed further:
    "diffusion" -> "diffusion mo", "gan | diff" -> "gan | diffusion", "text-t" -> "text-to".
    `covers(before, after)`: does the word `before` match every word `after` does (see
    `Matching._covers`)? A longer word's near spellings are not always among a shorter
    one's: each keeps only its closest few."""
    if old.uses_state or new.uses_state or not old.clauses:
        return False
    if len(new.clauses) < len(old.clauses):
        return False
    last = len(old.clauses) - 1
    for i, (a, b) in enumerate(zip(old.clauses, new.clauses, strict=False)):  # new may have more
        if a == b:
            continue
        if i != last or a.negated or b.negated or len(a.atoms) != len(b.atoms):
            return False
        if a.atoms[:-1] != b.atoms[:-1] or not _atom_narrows(a.atoms[-1], b.atoms[-1], covers):
            return False
    return True


def _atom_narrows(x: Atom, y: Atom, covers: Callable[[str, str], bool]) -> bool:
    if x.field != y.field or not x.is_text or x.phrase or y.phrase:
        return False
    k = len(x.words)
    if len(y.words) < k or y.words[: k - 1] != x.words[: k - 1]:
        return False
    before, after = x.words[-1], y.words[k - 1]
    if after == before:
        return True
    # typed further: a longer word matches fewer papers, unless it crossed to other rules
    # (more typos forgiven from 4 and 8 letters, abstract prefixes from 3, typo'd prefixes from 5)
    return after.startswith(before) and bracket(before) == bracket(after) and covers(before, after)

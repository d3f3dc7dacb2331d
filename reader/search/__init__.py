"""Search: an inverted index over titles, abstracts and authors, and its ranking.

The index maps every word (as `reader.words` splits text) to the papers that
contain it, per field. `SearchIndex(papers).search(text, state_of)` gives a
`SearchResult`; nothing else here is for callers. Nothing here imports Textual.

    index.py       SearchIndex: build, update, plan a search (narrowing, the clause cache)
    evaluation.py  what a word, phrase or filter matches: postings, or the candidates' text
    vocabulary.py  which indexed words a query word matches (prefixes, typos)
    ranking.py     scores, the second stage, the default order (newest first), the other sorts, days
    postings.py    word -> documents, per field, as flat arrays
    inverter.c     those postings made from texts in C (build_inverter.py compiles it; Python where not)
    facts.py       per-paper facts that filters and ranking read (titles, years, sources ...)
    builder.py     the postings of a large library, in worker processes (worker.py)
    cache.py       the built index kept in a file beside the library
"""

from reader.search.index import CLOSEST_MATCHES, SearchIndex, SearchResult, closest_divider
from reader.search.ranking import Sort, day_step

__all__ = ["CLOSEST_MATCHES", "SearchIndex", "SearchResult", "Sort", "closest_divider", "day_step"]

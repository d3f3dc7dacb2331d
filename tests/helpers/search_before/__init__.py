"""The search as it ranked before document sets became numpy arrays (issue 18): the
oracle tests/unit/test_search_ranked.py compares the faster ranking with. A frozen
copy of index.py, evaluation.py and ranking.py; the unchanged modules come from reader.search."""

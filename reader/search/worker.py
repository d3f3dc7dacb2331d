"""A worker process of an index build: `python -m reader.search.worker FIRST_DOCNO TEXTS_FD`.

Kept apart from `builder`, which starts it, so that running it as __main__ never
finds it imported already (`reader.search` imports the builder).
"""

import sys

from reader.search.builder import serve

if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), sys.stdin.buffer, sys.stdout.buffer)

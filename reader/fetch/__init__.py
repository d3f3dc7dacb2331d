"""Papers from the network: Hugging Face's daily papers, the arXiv API, DOIs, PDFs.

The modules, each one job:

- `endpoints`: where each service is (settings' `[urls]`, then the environment) and
  how long to wait between arXiv requests: the one place those facts live;
- `client`: the one HTTP client (timeouts, retries, conditional requests, pacing);
- `inputs`: what `reader add` accepts (arXiv ids, arXiv and Hugging Face URLs, DOIs);
- `sources`: one service's responses -> Paper records, through the importers in
  `reader.ingest`;
- `ledger`: feeds.json, what the fetches remember (per feed, per saved search);
- `run`: fetch, add, enrich: the steps, each imported as it arrives;
- `pdf`: a paper's PDF, downloaded once into the home's `pdfs/`.

Nothing here prints or knows the UI: the CLI and the app call `run` (the app from a
thread worker) and show the progress lines and reports it hands back.
"""

"""Where each service is, and how politely to ask it: the one place these facts live.

Each base URL is the scheme, host and path prefix a request is built on; settings'
`[urls]` table moves it and the environment moves it again (tests point every one
at a server on 127.0.0.1, so no test reaches another host):

| name        | default                            | environment              | asked for                      |
|-------------|------------------------------------|--------------------------|--------------------------------|
| `hf`        | https://huggingface.co             | READER_HF_URL            | `/api/daily_papers?date=DAY`   |
| `arxiv_api` | https://export.arxiv.org/api/query | READER_ARXIV_API_URL     | `?search_query=...`, `?id_list=` |
| `arxiv`     | https://arxiv.org                  | READER_ARXIV_URL         | `/pdf/ID` (PDFs)               |
| `doi`       | https://doi.org                    | READER_DOI_URL           | `/DOI` (CSL-JSON)              |

The arXiv API is asked over https (its manual's examples say http; both are
served, and https cannot be altered on the way).

arXiv's terms ask for at most one request every 3 seconds, on one connection:
`arxiv_delay` (READER_ARXIV_DELAY, seconds) is that pause, shortened by tests.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

DEFAULTS = {
    "hf": "https://huggingface.co",
    "arxiv_api": "https://export.arxiv.org/api/query",
    "arxiv": "https://arxiv.org",
    "doi": "https://doi.org",
}
ENVIRONMENT = {
    "hf": "READER_HF_URL",
    "arxiv_api": "READER_ARXIV_API_URL",
    "arxiv": "READER_ARXIV_URL",
    "doi": "READER_DOI_URL",
}
ARXIV_DELAY = 3.0
ARXIV_DELAY_VARIABLE = "READER_ARXIV_DELAY"


@dataclass(frozen=True)
class Endpoints:
    hf: str = DEFAULTS["hf"]
    arxiv_api: str = DEFAULTS["arxiv_api"]
    arxiv: str = DEFAULTS["arxiv"]
    doi: str = DEFAULTS["doi"]
    arxiv_delay: float = ARXIV_DELAY

    def hf_day(self, day: str) -> str:
        return f"{self.hf}/api/daily_papers?{urlencode({'date': day})}"

    def arxiv_query(self, **params: str | int) -> str:
        # arXiv reads `:` and `"` in a query as they are; quote everything else.
        return f"{self.arxiv_api}?{urlencode(params, safe=':')}"

    def arxiv_pdf(self, arxiv_id: str) -> str:
        return f"{self.arxiv}/pdf/{arxiv_id}"

    def doi_record(self, doi: str) -> str:
        return f"{self.doi}/{quote(doi, safe='/:;()._-')}"

    @property
    def paced(self) -> dict[str, float]:
        """Base URL -> seconds between requests to it."""
        return {self.arxiv_api: self.arxiv_delay}


def host(url: str) -> str:
    """The host (and port) a URL names, as a person would recognise it."""
    return urlsplit(url).netloc or url


def endpoints(urls: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None) -> tuple[Endpoints, list[str]]:
    """The endpoints settings' `urls` and then the environment give, and a message
    for each environment value that cannot be used (its default stays)."""
    environ = os.environ if environ is None else environ
    chosen = {**DEFAULTS, **(urls or {})}
    problems: list[str] = []
    for name, variable in ENVIRONMENT.items():
        value = environ.get(variable, "").strip()
        if not value:
            continue
        if urlsplit(value).scheme in ("http", "https") and urlsplit(value).netloc:
            chosen[name] = value.rstrip("/")
        else:
            problems.append(f"{variable}={value!r} is not an http(s) URL; using {chosen[name]}")
    delay = ARXIV_DELAY
    if raw := environ.get(ARXIV_DELAY_VARIABLE, "").strip():
        try:
            delay = float(raw)
            if not (math.isfinite(delay) and delay >= 0):
                raise ValueError
        except ValueError:
            problems.append(f"{ARXIV_DELAY_VARIABLE}={raw!r} is not a number of seconds; using {ARXIV_DELAY:g}")
            delay = ARXIV_DELAY
    return Endpoints(**chosen, arxiv_delay=delay), problems

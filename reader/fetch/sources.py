"""One request to one service -> the papers in its answer, read by reader.ingest.

A response is checked whole before it is imported: a day of Hugging Face papers
must be one complete JSON array, an arXiv answer one well-formed Atom feed
without arXiv's error entry. Anything else (an HTML error page, a body cut short,
an error entry) is `SourceError`: a problem of that source, said in one line
naming the host, never an exception out of the fetch and never half a day.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from reader import ingest, jsoncodec
from reader.fetch.client import Client, FetchError, Response
from reader.fetch.endpoints import Endpoints, host
from reader.ingest import atom, csljson, hfjson
from reader.models import Paper, Problem, Source, normalise_title

ARXIV_PAGE = 200  # papers per arXiv request: a few days of a busy category in a handful of requests
ARXIV_IDS_PER_REQUEST = 100
CSL_JSON = "application/vnd.citationstyles.csl+json"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"


class SourceError(Exception):
    """A response that is not what its service promises; the message names the host."""


@dataclass
class Batch:
    """The papers of one response (none when it was a 304) and the records it could not use."""

    response: Response
    papers: list[Paper] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    total: int | None = None  # arXiv: how many results the query has in all


def hf_day(client: Client, endpoints: Endpoints, day: str) -> Batch:
    """Hugging Face's daily papers of `day` (YYYY-MM-DD); a day without papers is []."""
    response = client.get(endpoints.hf_day(day), accept="application/json")
    if response.not_modified:
        return Batch(response)
    try:
        value = jsoncodec.loads(response.body)
    except (ValueError, RecursionError):
        raise SourceError(f"{host(response.url)}: {_not_what(response, 'the daily-papers JSON')}") from None
    if not isinstance(value, list):
        raise SourceError(f"{host(response.url)}: answered {_gist(value)}, not a list of daily papers")
    return _read(response, f"hf daily {day}", hfjson.NAME)


def arxiv_search(client: Client, endpoints: Endpoints, query: str, start: int, size: int, label: str) -> Batch:
    """One page of an arXiv API search, newest submissions first."""
    url = endpoints.arxiv_query(search_query=query, sortBy="submittedDate", sortOrder="descending", start=start, max_results=size)
    return _arxiv(client.get(url, accept="application/atom+xml"), label)


def arxiv_ids(client: Client, endpoints: Endpoints, ids: Sequence[str], label: str) -> Batch:
    """The arXiv papers with these ids (at most ARXIV_IDS_PER_REQUEST); unknown ones are missing."""
    url = endpoints.arxiv_query(id_list=",".join(ids), start=0, max_results=len(ids))
    return _arxiv(client.get(url, accept="application/atom+xml", conditional=False), label)


def arxiv_title(client: Client, endpoints: Endpoints, title: str, label: str) -> Paper | None:
    """The arXiv paper whose title is `title`, as normalise_title compares them, or None.

    Only an exact match is taken: a near one ("Random Forests" for "Random
    Forest") is another paper as often as not."""
    wanted = normalise_title(title)
    url = endpoints.arxiv_query(search_query=f'ti:"{wanted}"', start=0, max_results=10)
    batch = _arxiv(client.get(url, accept="application/atom+xml", conditional=False), label)
    return next((paper for paper in batch.papers if normalise_title(paper.title) == wanted), None)


def doi(client: Client, endpoints: Endpoints, name: str) -> Batch:
    """The paper a DOI names, from its CSL-JSON record (content negotiation at doi.org)."""
    try:
        response = client.get(endpoints.doi_record(name), accept=CSL_JSON, conditional=False)
    except FetchError as error:
        if error.status == 404:
            raise SourceError(f"{error.host}: no such DOI") from None
        if error.status == 406:
            raise SourceError(f"{error.host}: this DOI's registry gives no CSL-JSON record") from None
        raise
    try:
        value = jsoncodec.loads(response.body)
    except (ValueError, RecursionError):
        raise SourceError(f"{host(response.url)}: {_not_what(response, 'a CSL-JSON record')}") from None
    if not isinstance(value, dict):
        raise SourceError(f"{host(response.url)}: answered {_gist(value)}, not a CSL-JSON record")
    return _read(response, "doi.org", csljson.NAME)


def _arxiv(response: Response, label: str) -> Batch:
    if response.not_modified:
        return Batch(response)
    try:
        root = ET.fromstring(response.body)
    except ET.ParseError:
        raise SourceError(f"{host(response.url)}: {_not_what(response, 'an Atom feed')}") from None
    if root.tag != _ATOM_FEED:
        raise SourceError(f"{host(response.url)}: answered XML that is not an Atom feed ({root.tag})")
    batch = _read(response, label, atom.NAME)
    errors = [p for p in batch.problems if p.message.startswith(atom.API_ERROR)]
    if errors:
        raise SourceError(f"{host(response.url)}: {errors[0].message}")
    total = (root.findtext(f"{_OPENSEARCH}totalResults") or "").strip()
    batch.total = int(total) if total.isdigit() else None
    # Where in a page a paper stood means nothing a day later: a paper seen again is unchanged.
    batch.papers = [replace(p, sources=(Source(label, atom.NAME, 0, p.published),)) for p in batch.papers]
    return batch


def _read(response: Response, name: str, format: str) -> Batch:
    batch = Batch(response)
    try:
        for record in ingest.read_bytes(response.body, name, format):
            (batch.problems if isinstance(record, Problem) else batch.papers).append(record)  # type: ignore[arg-type]
    except ingest.IngestError as error:
        raise SourceError(f"{host(response.url)}: {str(error).removeprefix(f'{name}: ')}") from None
    return batch


def _not_what(response: Response, what: str) -> str:
    body = response.body.lstrip()[:200].lower()
    if body.startswith((b"<!doctype html", b"<html")) or "html" in response.content_type:
        return f"sent an HTML page, not {what} (an error page, or a login or consent wall?)"
    if not body:
        return f"sent an empty answer, not {what}"
    return f"sent something that is not {what} (cut short?)"


def _gist(value: object) -> str:
    """A JSON answer that is not the one expected, in a few words (HF says {"error": "..."})."""
    if isinstance(value, dict) and isinstance(value.get("error"), str):
        return f"an error ({' '.join(value['error'].split())[:120]})"
    return f"a JSON {type(value).__name__}"

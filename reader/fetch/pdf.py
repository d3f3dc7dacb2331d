"""A paper's PDF, downloaded once into the home's `pdfs/` folder.

The download goes to `<name>.pdf.part` and becomes `<name>.pdf` (a rename) only
once it is whole and starts as every PDF does (`%PDF-`): an HTML page where the
PDF should be (a rate-limit page, a login wall) is refused, not saved. A `.part`
left by a download broken off is carried on from where it stopped (an HTTP Range
request), and a connection that breaks mid-file is picked up the same way, a
few times, before giving up. Only regular files are written: a `pdfs/` entry
that is a link, a folder or a device is refused, never followed.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import httpx

from reader.fetch.client import ATTEMPTS, Client, FetchError
from reader.fetch.endpoints import Endpoints
from reader.models import Paper

PDF_FOLDER = "pdfs"
MAGIC = b"%PDF-"
MAX_PDF = 512 * 1024 * 1024  # bytes; arXiv caps submissions far below this


class PdfError(Exception):
    """No PDF could be had; the message says why and what to do."""


def pdf_url(paper: Paper, endpoints: Endpoints) -> str | None:
    """Where the paper's PDF is: arXiv's, when it has an arXiv id; else a link that is one."""
    if paper.arxiv_id:
        return endpoints.arxiv_pdf(paper.arxiv_id)
    return next((link for link in paper.links if link.lower().split("?")[0].endswith(".pdf")), None)


def pdf_path(home: Path, paper: Paper) -> Path:
    """`pdfs/2306.13575.pdf`; an old-style or title id made a file name (`hep-th_0505137.pdf`)."""
    name = paper.arxiv_id or paper.id
    return home / PDF_FOLDER / (re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") + ".pdf")


def download_line(paper: Paper, done: int, total: int | None) -> str:
    """The progress line of a download: `2306.13575: 120 KB of 880 KB`."""
    return f"{paper.arxiv_id or paper.id}: {done // 1024} KB" + (f" of {total // 1024} KB" if total else "")


def fetch_pdf(
    client: Client, home: Path, paper: Paper, endpoints: Endpoints, progress: Callable[[int, int | None], object] | None = None
) -> tuple[Path, bool]:
    """(the PDF's path, whether it was downloaded now). `progress(bytes, total)` is
    told as it arrives. Raises PdfError, or FetchError when the host fails."""
    url = pdf_url(paper, endpoints)
    if url is None:
        raise PdfError(f"{paper.id}: no PDF known (no arXiv id, no PDF link); `reader enrich` may find its arXiv id")
    target = pdf_path(home, paper)
    _folder(target.parent)
    if _regular(target):
        return target, False
    part = target.with_name(target.name + ".part")
    _regular(part)  # refuses a link or a device where the part file goes
    for attempt in range(1, ATTEMPTS + 1):
        try:
            _download(client, url, part, progress)
            break
        except httpx.TransportError as error:  # broke off mid-file: what came is kept
            if attempt == ATTEMPTS:
                raise FetchError(url, f"the download kept breaking off ({error}); run it again to go on", reached=True) from None
    with open(part, "rb") as file:
        if file.read(len(MAGIC)) != MAGIC:
            part.unlink()
            raise PdfError(f"{url}: what came is not a PDF; nothing was kept")
    os.replace(part, target)
    return target, True


def _download(client: Client, url: str, part: Path, progress: Callable[[int, int | None], object] | None) -> None:
    """Append the rest of the file to `part` (all of it, if the server cannot send a range)."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-", "Accept": "application/pdf"} if have else {"Accept": "application/pdf"}
    try:
        with client.open(url, headers) as response:
            if have and response.status_code != 206:
                have = 0  # the whole file came instead
            total = _total(response, have)
            flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_APPEND if have else os.O_TRUNC)
            with os.fdopen(os.open(part, flags, 0o644), "wb") as file:
                size = have
                for chunk in response.iter_bytes():
                    if size < len(MAGIC) and not (bytes(chunk[: len(MAGIC) - size]) == MAGIC[size : size + len(chunk)]):
                        file.close()
                        part.unlink()
                        kind = "an HTML page" if "html" in response.headers.get("Content-Type", "") else "something else"
                        raise PdfError(f"{url}: the server sent {kind}, not a PDF; nothing was kept")
                    size += len(chunk)
                    if size > MAX_PDF:
                        file.close()
                        part.unlink()
                        raise PdfError(f"{url}: over {MAX_PDF // 2**20} MB, larger than any paper; not kept")
                    file.write(chunk)
                    if progress:
                        progress(size, total)
                file.flush()
                os.fsync(file.fileno())
            if total is not None and size < total:
                raise httpx.ReadError(f"{size} of {total} bytes came")
    except FetchError as error:
        if error.status != 416:
            raise
        # Range not satisfiable: the part file is already the whole file.


def _total(response: httpx.Response, have: int) -> int | None:
    if response.status_code == 206:
        match = re.search(r"/(\d+)\s*$", response.headers.get("Content-Range", ""))
        return int(match.group(1)) if match else None
    length = response.headers.get("Content-Length", "")
    return have + int(length) if length.isdigit() and "Content-Encoding" not in response.headers else None


def _folder(folder: Path) -> None:
    try:
        folder.mkdir(exist_ok=True)
    except OSError as error:
        raise PdfError(f"{folder}: cannot be made ({error.strerror or error})") from error
    if not folder.is_dir():
        raise PdfError(f"{folder}: is not a folder; move it away to download PDFs")


def _regular(path: Path) -> bool:
    """Is there a regular file at `path` (not following links)? Anything else there is PdfError."""
    with contextlib.suppress(FileNotFoundError):
        mode = path.lstat().st_mode
        if stat.S_ISREG(mode):
            return True
        raise PdfError(f"{path}: is not a regular file (a link, folder or device); move it away to download this PDF")
    return False

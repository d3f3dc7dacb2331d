"""The writer: one thread for every write the UI makes, its outcome posted back as a message.

One thread, so changes reach the disk in the order they were made: two
quick bookmarks, or two quick theme changes, are saved in that order. The
call runs there; then the node that asked gets the message `done` makes of
the result (if any), or the one `failed` makes of the error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from textual.dom import DOMNode
from textual.message import Message

from reader.library import StoreError  # the library's error for a file it could not read or write: screens never import the store

T = TypeVar("T")


class Writer:
    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader-state")

    def write(
        self,
        node: DOMNode,
        call: Callable[[], T],
        done: Callable[[T], Message | None],
        failed: Callable[[Exception], Message],
        *,
        errors: tuple[type[Exception], ...] = (StoreError,),
        group: str = "write",
        exclusive: bool = False,
    ) -> None:
        """Run `call` on the writer thread, in a worker of `node`'s; `errors` are what
        it may raise (anything else is a bug, and stops the app as any would)."""

        async def run() -> None:
            try:
                result = await self.run(call)
            except errors as error:
                node.post_message(failed(error))
                return
            message = done(result)
            if message is not None:
                node.post_message(message)

        node.run_worker(run(), group=group, exclusive=exclusive)

    async def run(self, call: Callable[[], T]) -> T:
        """`call`'s result, from the writer thread: for a worker with more to do around it."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, call)

    def close(self) -> None:
        """Wait for the writes under way: nothing acknowledged is lost on quitting."""
        self._thread.shutdown(wait=True)

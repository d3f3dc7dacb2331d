"""The server of `reader serve`: textual-serve with reader.serve's checks wired into aiohttp.

UI-side, as reader.app is: it imports textual-serve (and so Textual), which
the rest of the CLI never loads. The decisions (token, Host, Origin, the
session cap) are reader.serve's, plain functions of a request's headers;
here they meet the requests.
"""

from __future__ import annotations

import sys

from reader.serve import Gate


def serve_in_browser(command: str, host: str, gate: Gate) -> None:
    """Run textual-serve until Ctrl+C: each browser tab gets its own `command`, if
    `gate` lets it in. Raises ImportError without textual-serve, OSError if the port
    cannot be bound."""
    from aiohttp import web
    from textual_serve.server import Server

    @web.middleware
    async def check(request: web.Request, handler):
        """Every route (page, assets, websocket, downloads) passes the gate first."""
        from_url = request.query.get("token")
        refusal = gate.refusal(
            request.headers.get("Host"), request.headers.get("Origin"), (from_url, request.cookies.get(gate.cookie))
        )
        if refusal:
            print(refusal, file=sys.stderr, flush=True)
            raise web.HTTPForbidden(text=refusal)
        if request.path == "/" and gate.elsewhere(request.host):  # e.g. localhost for 127.0.0.1
            raise web.HTTPFound(gate.url + request.path_qs)
        response = await handler(request)
        if from_url is not None and not response.prepared:  # the page: its assets and websocket need no URL token
            response.set_cookie(gate.cookie, gate.token, httponly=True, samesite="Strict", path="/")
        return response

    class ReaderServer(Server):
        open_sessions = 0  # websockets open now: each is an app process

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(check)
            return app

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            if self.open_sessions >= gate.sessions:  # refused before the upgrade: no process started
                print(gate.full, file=sys.stderr, flush=True)
                raise web.HTTPServiceUnavailable(text=gate.full)
            self.open_sessions += 1
            try:
                return await super().handle_websocket(request)  # until the tab closes or the app quits
            finally:
                self.open_sessions -= 1

        async def on_startup(self, app) -> None:  # instead of textual-serve's banner
            print(f"reader: serving on {gate.login_url}  (Ctrl+C to stop)", flush=True)

    ReaderServer(command, host=host, port=gate.port, title="reader", public_url=gate.url).serve()

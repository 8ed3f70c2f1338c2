"""The loopback front door: a threaded stdlib `wsgiref` server, as a context manager yielding its URL.

One thread per connection, so concurrent clients really are concurrent. Faults that have no HTTP
answer are acted out on the socket: a reset closes it with an RST; a timeout holds the connection
(for the fault's `ms`, default 10 s, Binance's own backend timeout) and then drops it.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from responder.simulator.app import ABORT_KEY

if TYPE_CHECKING:
    from responder.simulator.sim import Simulator


class _Handler(ServerHandler):
    def finish_response(self) -> None:
        environ = getattr(self, "environ", {})  # wsgiref's own copy, the one the app saw
        if environ.get(ABORT_KEY):
            handler = self.request_handler  # type: ignore[attr-defined]  # set in _RequestHandler.handle
            handler.sim_abort = (environ[ABORT_KEY], int(environ.get(ABORT_KEY + ".ms", 10_000)))
            raise ConnectionAbortedError  # ServerHandler.run returns quietly: nothing is written
        super().finish_response()


class _RequestHandler(WSGIRequestHandler):
    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536 or not self.parse_request():
            return
        env = self.get_environ()
        handler = _Handler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]  # a socket file is a binary IO
            self.get_stderr(),
            env,
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]  # wsgiref's own convention
        handler.run(self.server.get_app())  # type: ignore[attr-defined]  # WSGIServer
        abort, hold_ms = getattr(self, "sim_abort", (None, 0))
        if abort == "timeout":
            time.sleep(hold_ms / 1000)
        if abort:
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def log_message(self, format: str, *args: Any) -> None:  # the stdlib's signature
        return  # the simulator keeps its own request log


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # skip HTTPServer's getfqdn(): slow without DNS
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
        self.setup_environ()


@contextmanager
def serve(sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `sim` on `host:port` (0 = a free port) in background threads; yields the base URL."""
    server = _Server((host, port), _RequestHandler)
    server.set_app(sim.app)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="responder-simulator", daemon=True
    )
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def serve_until_signalled(sim: Simulator, host: str, port: int, on_ready: Callable[[str], None]) -> None:
    """Serve until SIGINT or SIGTERM, then shut down cleanly (for `responder simulator serve`)."""
    import signal

    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with serve(sim, host, port) as base_url:
            on_ready(base_url)
            while not stop.wait(0.2):
                pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        sim.close()

"""A lying proxy on loopback: the simulator behind it, a hostile server in front of responder.

Each mode is what a phishing "Binance" or a hostile proxy could send (issue 12): escape sequences and
bidi overrides in every server-written string, a -2015 message that retitles the terminal, a 100 MB
body, JSON nested 100,000 deep, NaN and 400-digit amounts, a body trickled one byte every 5 s, absurd
Retry-After values, a 418 ban, a weight limit of 1 per minute. Big bodies are streamed, never held.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# What a hostile server writes into strings: OSC retitle, clear screen, colour, CSI (C1), DEL,
# bidi override and isolate, Arabic letter mark.
PAYLOAD = "\x1b]0;pwned\x07\x1b[2J\x1b[31m\x9b2J\x7f\u202eevil\u2066\u061c\u200f"
INJECTED_KEYS = frozenset(
    {
        "symbol", "clientOrderId", "origClientOrderId", "listClientOrderId", "address", "addressTag",
        "txId", "network", "msg", "coin", "info", "id", "tranId", "asset", "status", "type",
    }
)  # fmt: skip
AMOUNT_KEYS = frozenset({"price", "origQty", "executedQty", "free", "locked", "amount", "qty", "quoteQty"})
HOSTILE_NUMBERS = ("NaN", "sNaN", "Infinity", "-Infinity", "1e999", "9" * 400)
MIB = 2**20


def taint(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {
            k: (v + PAYLOAD if k in INJECTED_KEYS and isinstance(v, str) else taint(v))
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [taint(v) for v in obj]
    return obj


def poison_numbers(obj: Any, counter: list[int]) -> Any:
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in AMOUNT_KEYS and isinstance(v, str):
                counter[0] += 1
                out[k] = HOSTILE_NUMBERS[counter[0] % len(HOSTILE_NUMBERS)]
            else:
                out[k] = poison_numbers(v, counter)
        return out
    if isinstance(obj, list):
        return [poison_numbers(v, counter) for v in obj]
    return obj


class _Upstream:
    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def forward(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, target, body=body or None, headers=headers)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()


class HostileProxy:
    """`mode` picks the lie; `served` counts answers (the weight-limit mode allows one a minute)."""

    def __init__(self, upstream: str, mode: str) -> None:
        self.upstream = _Upstream(upstream)
        self.mode = mode
        self.served = 0
        self.lock = threading.Lock()

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("content-length") or 0)
        body = h.rfile.read(length) if length else b""
        headers = {k: v for k, v in h.headers.items() if k.lower() in ("x-mbx-apikey", "content-type")}
        with self.lock:
            self.served += 1
            served = self.served
        action = getattr(self, "_" + self.mode.replace("-", "_"))
        action(h, body, headers, served)

    # --- helpers ------------------------------------------------------------------------------------
    def _relay(
        self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        return self.upstream.forward(h.command, h.path, headers, body)

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler, status: int, content: bytes, headers: dict[str, str] | None = None
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json;charset=UTF-8")
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(content)))
        h.end_headers()
        h.wfile.write(content)

    def _rewrite(
        self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str], change: Callable[[Any], Any]
    ) -> None:
        status, up_headers, content = self._relay(h, body, headers)
        try:
            data = json.loads(content)
        except ValueError:
            self._send(h, status, content)
            return
        keep = {k: v for k, v in up_headers.items() if k.startswith("x-")}
        self._send(h, status, json.dumps(change(data)).encode(), keep)

    # --- the modes ----------------------------------------------------------------------------------
    def _inject(self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str], served: int) -> None:
        self._rewrite(h, body, headers, taint)

    def _reject_2015(
        self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str], served: int
    ) -> None:
        if "signature=" not in h.path and b"signature=" not in body:
            self._rewrite(h, body, headers, taint)
            return
        msg = "Invalid API-key, IP, or permissions for action." + PAYLOAD
        self._send(h, 401, json.dumps({"code": -2015, "msg": msg}).encode())

    def _numbers(self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str], served: int) -> None:
        self._rewrite(h, body, headers, lambda d: poison_numbers(d, [served]))

    def _nan_literal(
        self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str], served: int
    ) -> None:
        self._send(h, 200, b'{"serverTime": NaN, "price": 1e999, "n": ' + b"9" * 400 + b"}")

    def _deep(self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str], served: int) -> None:
        self._send(h, 200, b"[" * 100_000 + b"]" * 100_000)

    def _huge(self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str], served: int) -> None:
        """100 MB of a JSON list, streamed without a length (as a million open orders would be)."""
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Connection", "close")
        h.end_headers()
        row = b'{"symbol":"BTCUSDT","orderId":1,"clientOrderId":"x","price":"1","origQty":"1"},'
        chunk = row * (MIB // len(row))
        try:
            h.wfile.write(b"[")
            for _ in range(100):
                h.wfile.write(chunk)
            h.wfile.write(b"{}]")
        except OSError:
            return  # responder hung up once it had enough: that is the point

    def _trickle(self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str], served: int) -> None:
        status, _, content = self._relay(h, body, headers)
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(content)))
        h.end_headers()
        try:
            for i in range(len(content)):
                h.wfile.write(content[i : i + 1])
                h.wfile.flush()
                time.sleep(5)
        except OSError:
            return

    def _trickle_headers(
        self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str], served: int
    ) -> None:
        """A status line, then header bytes one every 5 s: httpx's per-read timeout never fires."""
        try:
            h.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for byte in b"X-Slow: " + b"a" * 1000:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(5)
        except OSError:
            return

    def _retry_after_inf(
        self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str], served: int
    ) -> None:
        self._too_many(h, "1e999")

    def _retry_after_huge(
        self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str], served: int
    ) -> None:
        self._too_many(h, "100000000")

    def _too_many(self, h: BaseHTTPRequestHandler, retry_after: str) -> None:
        msg = {
            "code": -1003,
            "msg": "Too much request weight used; current limit is 6000 request weight per 1 MINUTE.",
        }
        self._send(h, 429, json.dumps(msg).encode(), {"Retry-After": retry_after})

    def _ban(self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str], served: int) -> None:
        until = int(time.time() * 1000) + 7_200_000
        msg = {"code": -1003, "msg": f"Way too much request weight used; IP banned until {until}."}
        self._send(h, 418, json.dumps(msg).encode(), {"Retry-After": "7200"})

    def _weight_limit_1(
        self, h: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str], served: int
    ) -> None:
        """exchangeInfo says the request weight limit is 1 a minute, and the weight headers agree."""

        def one(d: Any) -> Any:
            if isinstance(d, dict) and "rateLimits" in d:
                d["rateLimits"] = [
                    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 1}
                ]
            return d

        self._rewrite(h, body, headers, one)


MODES = (
    "inject", "reject-2015", "numbers", "nan-literal", "deep", "huge", "trickle", "trickle-headers",
    "retry-after-inf", "retry-after-huge", "ban", "weight-limit-1",
)  # fmt: skip


@contextmanager
def hostile_proxy(upstream: str, mode: str) -> Iterator[str]:
    """A base URL on loopback where `mode` lies about what the simulator at `upstream` says."""
    proxy = HostileProxy(upstream, mode)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                proxy.handle(self)

        do_GET = do_POST = do_DELETE = do_PUT = _any

        def log_message(self, format: str, *args: Any) -> None:  # the stdlib's signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

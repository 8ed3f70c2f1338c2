"""The in-process front door: an httpx transport that hands requests straight to the simulator.

No socket, no thread: a client built with `httpx.Client(transport=sim.transport(client_ip=...))`
talks to the simulator as if over the network, from the given apparent address. Injected faults
surface exactly as httpx would report them on a real network: `ReadTimeout`, `RemoteProtocolError`
(connection dropped), `ConnectError`.
"""

from __future__ import annotations

import httpx

from responder.simulator.wire import Handler, SimRequest


class SimTransport(httpx.BaseTransport):
    def __init__(self, sim: Handler, client_ip: str | None = None) -> None:
        self._sim = sim
        self._client_ip = client_ip

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raw = request.url.raw_path.decode("ascii")
        path, _, query = raw.partition("?")
        body = request.read().decode("utf-8", errors="replace")
        req = SimRequest(
            request.method,
            path,
            query,
            body,
            {k.lower(): v for k, v in request.headers.items()},
            self._client_ip or self._sim.client_ip,
            loopback_peer=True,
        )
        resp = self._sim.handle(req)
        if resp.abort == "timeout":
            raise httpx.ReadTimeout("timed out (simulated)", request=request)
        if resp.abort == "reset":
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response. (simulated)", request=request
            )
        if resp.abort == "connect":
            raise httpx.ConnectError("[Errno 111] Connection refused (simulated)", request=request)
        return httpx.Response(resp.status, headers=resp.headers, content=resp.body, request=request)

"""Runs sweep calls concurrently through the `Exchange`, at the weight limit, resumably.

Pacing is not done here: the exchange client reserves weight from the shared `RateBudget` before
every request and corrects it from the used-weight headers, so other processes on the IP are
counted and several threads never overshoot together. The executor keeps enough requests in flight
for the budget (not latency) to be the bottleneck, retries a 429 after its Retry-After, stops at
once on a 418, and treats an unknown symbol as empty. Each finished call is reported to
`checkpoint(key, rows)` (a cursor for the journal); calls whose key is in `done` are not sent again.
`stop` (a threading.Event) interrupts: nothing new is sent, `Aborted` is raised. `symbol_done(symbol)`
is called (in the executor's thread) once every call of a symbol — orders, trades, klines — is done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from responder.clock import Clock
from responder.errors import Aborted, ExchangeError, IpBanned, RateLimited, Rejected, ServerError, Unreachable
from responder.exchange.protocol import Exchange
from responder.forensics.planner import Call, minimum_seconds

MAX_RETRIES = 5
Rows = Sequence[Any]


@dataclass(frozen=True)
class Progress:
    symbols_done: int
    symbols_total: int
    calls: int
    weight: int
    weight_planned: int
    eta_seconds: float
    elapsed_seconds: float


def fetch(exchange: Exchange, call: Call) -> list[Any]:
    """The one place a Call becomes an Exchange request."""
    if call.kind == "orders":
        return list(
            exchange.all_orders(
                call.symbol, start=call.start, end=call.end, order_id=call.order_id, limit=1000
            )
        )
    if call.kind == "trades":
        return list(
            exchange.my_trades(
                call.symbol,
                start=call.start,
                end=call.end,
                from_id=call.from_id,
                order_id=call.order_id,
                limit=1000,
            )
        )
    return list(exchange.klines(call.symbol, "1m", start=call.start, end=call.end, limit=1000))


@dataclass
class _State:
    weight: int = 0
    calls: int = 0
    planned: int = 0


class Executor:
    def __init__(
        self,
        exchange: Exchange,
        *,
        clock: Clock,
        weight_limit: int = 6000,
        workers: int = 8,
        progress: Callable[[Progress], None] | None = None,
        checkpoint: Callable[[str, Rows], None] | None = None,
        done: Mapping[str, Rows] | None = None,
        stop: threading.Event | None = None,
        symbol_done: Callable[[str], None] | None = None,
    ) -> None:
        self._exchange = exchange
        self._symbol_done = symbol_done
        self._clock = clock
        self._limit = weight_limit
        self._workers = workers
        self._progress = progress
        self._checkpoint = checkpoint
        self._done = dict(done or {})
        self._stop = stop or threading.Event()
        self._state = _State()
        self._lock = threading.Lock()
        self._started = clock.monotonic()
        self.failures: list[str] = []

    @property
    def weight(self) -> int:
        return self._state.weight

    @property
    def calls(self) -> int:
        return self._state.calls

    def run(
        self,
        calls: Sequence[Call],
        follow: Callable[[Call, Rows], Sequence[Call]],
        on_done: Callable[[Call, Rows], None],
        *,
        symbols_total: int = 0,
        finish: Callable[[str], Sequence[Call]] | None = None,
    ) -> None:
        """Run `calls` and every follow-up `follow(call, rows)` returns; `on_done` gets each result
        (called in this thread, in completion order). When a symbol has no call left open,
        `finish(symbol)` may add its next stage (trades, klines): it starts while other symbols are
        still being read, so no stage waits for the slowest symbol of the one before. `follow` may
        return calls for symbols not yet planned (the sweep's discovery): they are counted per symbol
        and run first, like every follow-up."""
        pending = list(calls)
        self._state.planned += sum(c.weight for c in calls)
        open_calls: dict[str, int] = {}
        for c in pending:
            open_calls[c.symbol] = open_calls.get(c.symbol, 0) + 1
        staged: set[str] = set()  # symbols whose `finish` stage was added
        closed = 0  # symbols with every call done, their last stage included
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="sweep") as pool:
            running: dict[Future[Rows], Call] = {}
            try:
                while pending or running:
                    if self._stop.is_set():
                        raise Aborted("investigation interrupted; finished calls are saved as cursors")
                    while pending and len(running) < self._workers:
                        call = pending.pop(0)
                        running[pool.submit(self._one, call)] = call
                    done, _ = wait(list(running), timeout=0.5, return_when=FIRST_COMPLETED)
                    for fut in done:
                        call = running.pop(fut)
                        rows = fut.result()
                        on_done(call, rows)
                        more = list(follow(call, rows))  # may bring in other symbols (discovery)
                        open_calls[call.symbol] -= 1
                        for c in more:
                            open_calls[c.symbol] = open_calls.get(c.symbol, 0) + 1
                        if open_calls[call.symbol] == 0 and call.symbol not in staged:
                            staged.add(call.symbol)
                            stage = list(finish(call.symbol)) if finish is not None else []
                            open_calls[call.symbol] = len(stage)
                            more += stage
                        if open_calls[call.symbol] == 0:
                            closed += 1
                            if self._symbol_done is not None:
                                self._symbol_done(call.symbol)
                        self._state.planned += sum(c.weight for c in more)
                        pending[0:0] = more  # follow-ups first: finish a symbol before starting others
                        self._report(closed, max(symbols_total, len(open_calls)))
            except BaseException:
                self._stop.set()
                for fut in running:
                    fut.cancel()
                raise

    def _one(self, call: Call) -> Rows:
        if call.key in self._done:
            return self._done[call.key]
        for attempt in range(MAX_RETRIES):
            if self._stop.is_set():
                raise Aborted("investigation interrupted")
            try:
                rows = fetch(self._exchange, call)
            except IpBanned:
                self._stop.set()
                raise
            except RateLimited as e:
                self._clock.sleep(max(e.retry_after, 1.0))
                continue
            except Rejected as e:
                if e.code == -1121:  # invalid symbol (delisted since): nothing to read
                    rows = []
                else:
                    raise
            except (ServerError, Unreachable) as e:
                if attempt == MAX_RETRIES - 1:
                    raise
                self._clock.sleep(2.0**attempt)
                self.failures.append(f"{call.key}: {e.one_line()}")
                continue
            with self._lock:
                self._state.weight += call.weight
                self._state.calls += 1
            if self._checkpoint is not None:
                self._checkpoint(call.key, rows)
            return rows
        raise ExchangeError(f"{call.key}: still rate limited after {MAX_RETRIES} tries", endpoint=call.kind)

    def _report(self, done: int, total: int) -> None:
        if self._progress is None:
            return
        with self._lock:
            weight, calls, planned = self._state.weight, self._state.calls, self._state.planned
        remaining = max(0, planned - weight)
        self._progress(
            Progress(
                done,
                total,
                calls,
                weight,
                planned,
                minimum_seconds(remaining, self._limit),
                self._clock.monotonic() - self._started,
            )
        )

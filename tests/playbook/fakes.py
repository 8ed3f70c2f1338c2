"""Fakes at the seams for engine tests: an in-memory exchange with a request log, and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from responder.errors import ExchangeError, NothingToCancel, OutcomeUnknown
from responder.exchange.models import Order
from responder.exchange.protocol import Exchange
from tests.exchange.unused import UnusedExchange

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def make_order(order_id: int, symbol: str = "QKCUSDT") -> Order:
    return Order(
        symbol, order_id, -1, f"web_{order_id}", Decimal("0.01"), Decimal("1000"), Decimal("0"),
        Decimal("0"), "NEW", "GTC", "LIMIT", "BUY", T0, T0,
    )  # fmt: skip


@dataclass
class FakeExchange(UnusedExchange):
    """Implements the parts of `Exchange` the generic actions use (any other call fails the test), and
    logs every request."""

    orders: list[Order] = field(default_factory=list)
    log: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, symbol)
    unknown_after_cancel: int = 0  # the next N cancels execute, then report OutcomeUnknown
    refuse_cancels: list[ExchangeError] = field(default_factory=list)  # raised, not executed, in order
    fail_reads: bool = False

    @property
    def masked_key(self) -> str:
        return "vmPU…Eh8A"

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        self.log.append(("GET", "/api/v3/openOrders", symbol or ""))
        if self.fail_reads:
            raise OutcomeUnknown("GET /api/v3/openOrders timed out", endpoint="GET /api/v3/openOrders")
        return [o for o in self.orders if symbol is None or o.symbol == symbol]

    def cancel_order(self, symbol: str, order_id: int) -> Order:
        raise AssertionError("the generic test playbooks cancel by symbol")

    def cancel_open_orders(self, symbol: str) -> list[Order]:
        self.log.append(("DELETE", "/api/v3/openOrders", symbol))
        if self.refuse_cancels:
            raise self.refuse_cancels.pop(0)
        cancelled = [o for o in self.orders if o.symbol == symbol]
        self.orders = [o for o in self.orders if o.symbol != symbol]
        if self.unknown_after_cancel:
            self.unknown_after_cancel -= 1
            raise OutcomeUnknown("DELETE /api/v3/openOrders: 503", endpoint="DELETE /api/v3/openOrders")
        if not cancelled:
            raise NothingToCancel(-2011, "Unknown order sent.", status=400)
        return cancelled

    @property
    def mutations(self) -> list[tuple[str, str, str]]:
        return [r for r in self.log if r[0] == "DELETE"]


_: Callable[..., Exchange] = FakeExchange  # mypy: the fake keeps to the Exchange protocol

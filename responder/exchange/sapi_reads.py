"""The client's SAPI reads (key, account status, wallet, convert): one method per endpoint.

A mixin of `BinanceClient`, apart only to keep the client's module small: every method goes through
the client's one chokepoint (`_get` → `_request`) and parses at the edge into models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from responder.clock import to_ms
from responder.errors import UsageError
from responder.exchange import pagination as rules
from responder.exchange.models import (
    ApiRestrictions,
    ApiTradingStatus,
    ConvertPage,
    DailySnapshot,
    Deposit,
    TransferPage,
    WithdrawAddress,
    Withdrawal,
)
from responder.exchange.wire import parse_body as _parse
from responder.exchange.wire import rows as _rows


def _ms(when: datetime | None) -> int | None:
    return to_ms(when) if when is not None else None


class SapiReads:
    """`/sapi/...` reads; `_get` is the client's chokepoint."""

    def _get(self, path: str, params: Any = (), *, signed: bool = True) -> Any:
        raise NotImplementedError  # pragma: no cover — BinanceClient provides it

    def api_restrictions(self) -> ApiRestrictions:
        path = "/sapi/v1/account/apiRestrictions"
        return _parse(f"GET {path}", ApiRestrictions.from_json, self._get(path))

    def account_status(self) -> str:
        path = "/sapi/v1/account/status"
        return _parse(f"GET {path}", lambda d: str(d["data"]), self._get(path))

    def api_trading_status(self) -> ApiTradingStatus:
        path = "/sapi/v1/account/apiTradingStatus"
        return _parse(f"GET {path}", ApiTradingStatus.from_json, self._get(path))

    def withdraw_history(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        offset: int = 0,
        limit: int = 1000,
    ) -> list[Withdrawal]:
        rules.check_window(start, end, rules.WALLET_WINDOW, "withdraw history")
        rules.check_limit(limit, 1000)
        path = "/sapi/v1/capital/withdraw/history"
        params = [("startTime", _ms(start)), ("endTime", _ms(end)), ("offset", offset), ("limit", limit)]
        return _rows(f"GET {path}", Withdrawal.from_json, self._get(path, params))

    def deposit_history(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        offset: int = 0,
        limit: int = 1000,
    ) -> list[Deposit]:
        rules.check_window(start, end, rules.WALLET_WINDOW, "deposit history")
        rules.check_limit(limit, 1000)
        path = "/sapi/v1/capital/deposit/hisrec"
        params = [("startTime", _ms(start)), ("endTime", _ms(end)), ("offset", offset), ("limit", limit)]
        return _rows(f"GET {path}", Deposit.from_json, self._get(path, params))

    def withdraw_addresses(self) -> list[WithdrawAddress]:
        path = "/sapi/v1/capital/withdraw/address/list"
        return _rows(f"GET {path}", WithdrawAddress.from_json, self._get(path))

    def universal_transfers(
        self,
        transfer_type: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        current: int = 1,
        size: int = 100,
    ) -> TransferPage:
        rules.check_limit(size, 100)
        path = "/sapi/v1/asset/transfer"
        params = [
            ("type", transfer_type),
            ("startTime", _ms(start)),
            ("endTime", _ms(end)),
            ("current", current),
            ("size", size),
        ]
        return _parse(f"GET {path}", TransferPage.from_json, self._get(path, params))

    def account_snapshot(
        self,
        snapshot_type: str = "SPOT",
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 30,
    ) -> list[DailySnapshot]:
        rules.check_window(start, end, rules.SNAPSHOT_WINDOW, "account snapshot")
        if not 7 <= limit <= 30:
            raise UsageError(f"account snapshot limit must be 7–30, not {limit}")
        path = "/sapi/v1/accountSnapshot"
        params = [("type", snapshot_type), ("startTime", _ms(start)), ("endTime", _ms(end)), ("limit", limit)]
        data = self._get(path, params)
        return _parse(
            f"GET {path}", lambda d: [DailySnapshot.from_json(s) for s in d.get("snapshotVos", [])], data
        )

    def convert_trades(self, *, start: datetime, end: datetime, limit: int = 1000) -> ConvertPage:
        rules.check_window(start, end, rules.CONVERT_WINDOW, "convert trade flow", inclusive=True)
        rules.check_limit(limit, 1000)
        path = "/sapi/v1/convert/tradeFlow"
        params = [("startTime", _ms(start)), ("endTime", _ms(end)), ("limit", limit)]
        return _parse(f"GET {path}", ConvertPage.from_json, self._get(path, params))

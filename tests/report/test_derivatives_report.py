"""The futures and margin sections of the report and the support letter, from a real futures-drain
investigation's findings (issue 15), in every format, with hostile ids escaped."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from responder.clock import ManualClock, from_ms
from responder.exchange.client import BinanceClient
from responder.exchange.futures import futures_for
from responder.exchange.margin import MarginClient
from responder.exchange.signing import HmacSigner
from responder.forensics.derivatives_collect import collect
from responder.forensics.derivatives_json import sections
from responder.forensics.derivatives_judge import judge
from responder.forensics.model import Window
from responder.report.derivatives_view import section
from responder.report.model import ReportContext
from responder.report.render import FORMATS, render
from responder.secrets import Secret
from responder.simulator import Simulator, load_scenario
from tests.report.builder import HOSTILE_COID


@pytest.fixture(scope="module")
def futures_findings() -> Iterator[dict[str, Any]]:
    clock = ManualClock(from_ms(1_795_000_000_000))
    sim = Simulator(load_scenario("futures-drain"), clock=clock)
    key = sim.keys[0]
    assert key.secret is not None
    now = clock.now()
    with httpx.Client(transport=sim.transport(client_ip=sim.scenario.client_ip)) as http:
        spot = BinanceClient(
            "http://127.0.0.1:1", key.api_key, HmacSigner(Secret(key.secret.reveal())), http=http, clock=clock
        )
        ev = collect(
            Window(now - timedelta(hours=3, minutes=15), now),
            now,
            futures=futures_for(spot),
            margin=MarginClient(spot),
        )
    yield json.loads(json.dumps(sections(judge(ev))))
    sim.close()


def test_the_section_lists_the_attackers_futures_orders_positions_liquidation_and_transfer(
    futures_findings: dict[str, Any],
) -> None:
    d = section(futures_findings)
    assert d is not None and d.futures_read and d.margin_read
    assert {o.symbol for o in d.futures_orders} == {"ZKJUSDT", "ETHUSDT"}
    assert all(o.verdict == "attacker" for o in d.futures_orders)
    assert [p.opened for p in d.positions] == ["after the leak"] and d.positions[0].leverage == "25×"
    assert len(d.liquidations) == 1 and d.liquidations[0].symbol == "ZKJUSDT"
    assert "into USDⓈ-M futures" in d.transfers[0].description
    assert d.loans and d.debts and d.estimated_loss and d.method.startswith("futures:")


def test_a_spot_only_findings_file_has_no_derivatives_section() -> None:
    assert section({"orders": [], "summary": {}}) is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_futures_and_margin_and_the_letter_names_them(
    fmt: str, full_ctx: ReportContext, futures_findings: dict[str, Any]
) -> None:
    ctx = dataclasses.replace(full_ctx, derivatives=section(futures_findings))
    text = render(ctx, fmt)
    assert "Futures (USDⓈ-M)" in text or "FUTURES (USDⓈ-M)" in text
    assert "Margin (cross)" in text or "MARGIN (CROSS)" in text
    assert "The key also had USDⓈ-M futures access" in text and 'listed under "Futures"' in text.replace(
        "&#34;", '"'
    ).replace("&quot;", '"')
    assert "The key was also used on cross margin" in text


def test_unread_futures_are_unknown_not_empty(full_ctx: ReportContext) -> None:
    data = {
        "futures": {"read": False, "gaps": ["futures account: -2015"]},
        "margin": {"read": False},
        "derivatives_loss": None,
    }
    text = render(dataclasses.replace(full_ctx, derivatives=section(data)), "md")
    assert "what happened there is **unknown**" in text
    assert "also had USDⓈ-M futures access" not in text


def test_hostile_futures_client_order_ids_are_escaped(
    full_ctx: ReportContext, futures_findings: dict[str, Any]
) -> None:
    data = json.loads(json.dumps(futures_findings))
    data["futures"]["orders"][-1]["client_order_id"] = HOSTILE_COID
    data["futures"]["orders"][-1]["verdict"] = "attacker"
    ctx = dataclasses.replace(full_ctx, derivatives=section(data))
    html = render(ctx, "html")
    assert "<script>alert(1)</script>" not in html and "\x1b" not in html
    assert "\x1b" not in render(ctx, "txt")


def test_flagged_futures_and_margin_orders_are_marked_on_the_timeline(
    futures_findings: dict[str, Any],
) -> None:
    from responder.report.derivatives_view import flagged_fill_times

    marks = flagged_fill_times(futures_findings)
    labels = {label for _, label, _ in marks}
    assert "futures BUY ZKJUSDT 300000" in labels and any(
        label.startswith("margin BUY ZKJUSDT") for label in labels
    )
    assert {verdict for _, _, verdict in marks} == {"attacker"}
    assert all(t.tzinfo is not None for t, _, _ in marks)
    assert flagged_fill_times({"futures": {"orders": [{"verdict": "attacker", "time": "not a time"}]}}) == []

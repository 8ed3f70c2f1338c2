"""The futures and margin investigation against the simulator's futures-drain account and its ground truth."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from responder.clock import ManualClock, from_ms
from responder.exchange.budget import FAPI_LIMIT, RateBudget
from responder.exchange.client import BinanceClient
from responder.exchange.futures import FuturesClient
from responder.exchange.margin import MarginClient
from responder.exchange.signing import HmacSigner
from responder.forensics.derivatives_collect import collect
from responder.forensics.derivatives_json import sections
from responder.forensics.derivatives_judge import judge
from responder.forensics.model import Window
from responder.secrets import Secret
from responder.simulator import Simulator, load_scenario


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(from_ms(1_795_000_000_000))


@pytest.fixture
def sim(clock: ManualClock) -> Iterator[Simulator]:
    s = Simulator(load_scenario("futures-drain"), clock=clock)
    yield s
    s.close()


def _clients(sim: Simulator, http: httpx.Client, clock: ManualClock) -> tuple[FuturesClient, MarginClient]:
    k = sim.keys[0]
    assert k.secret is not None

    def core(futures: bool) -> BinanceClient:
        assert k.secret is not None
        return BinanceClient(
            "http://127.0.0.1:1",
            k.api_key,
            HmacSigner(Secret(k.secret.reveal())),
            http=http,
            clock=clock,
            budget=RateBudget(clock, api_limit=FAPI_LIMIT) if futures else None,
            time_path="/fapi/v1/time" if futures else "/api/v3/time",
        )

    return FuturesClient(core(True)), MarginClient(core(False))


def test_every_attacker_futures_and_margin_action_is_found_and_the_bot_is_not(
    sim: Simulator, clock: ManualClock
) -> None:
    truth = sim.ground_truth
    leak = from_ms(truth["leak_time"]) - timedelta(minutes=15)  # people round down
    now = clock.now()
    with httpx.Client(transport=sim.transport(client_ip=sim.scenario.client_ip)) as http:
        futures, margin = _clients(sim, http, clock)
        ev = collect(Window(leak, now), now, futures=futures, margin=margin)
    assert ev.gaps == ()
    found = judge(ev)
    done = [a for a in truth["attacker_actions"] if a["status"] == "done"]
    want_f = {
        (a["symbol"], a["orderId"]) for a in done if a["kind"] in ("futures_order", "futures_liquidation")
    }
    got_f = {(o.symbol, o.order_id) for o in found.attacker_futures_orders()}
    assert want_f and want_f == got_f, "every attacker futures order and the liquidation, nothing else"
    bot = [j for j in found.futures_orders if j.subject.client_order_id.startswith("fbot-")]
    assert bot and {j.verdict for j in bot} == {"normal"}
    want_m = {(a["symbol"], a["orderId"]) for a in done if a["kind"] == "margin_order"}
    assert want_m == {(o.symbol, o.order_id) for o in found.attacker_margin_orders()}
    assert [j.verdict for j in found.margin_loans] == ["attacker"]
    assert [(v.position.symbol, v.opened_after_leak) for v in found.positions] == [("ETHUSDT", True)]
    assert found.loss is not None and found.loss.estimated_loss > 2000  # the 50x long was wiped out

    data = json.loads(json.dumps(sections(found)))
    f = data["futures"]
    assert f["read"] and {t["verdict"] for t in f["trades"] if t["symbol"] == "ZKJUSDT"} == {"attacker"}
    moved = [t for t in f["transfers"] if t["direction"] == "in"]
    assert moved and moved[0]["income"] == "4000.00000000"
    assert "into USDⓈ-M futures" in moved[0]["description"]
    assert data["derivatives_loss"]["method"].startswith("futures: Binance's income history")


def test_a_key_without_futures_leaves_a_gap_not_an_empty_account(sim: Simulator, clock: ManualClock) -> None:
    now = clock.now()
    with httpx.Client(transport=sim.transport(client_ip="198.51.100.7")) as http:
        k = sim.keys[1]  # reading only, IP-restricted to 198.51.100.7
        assert k.secret is not None
        core = BinanceClient(
            "http://127.0.0.1:1",
            k.api_key,
            HmacSigner(Secret(k.secret.reveal())),
            http=http,
            clock=clock,
            time_path="/fapi/v1/time",
        )
        ev = collect(Window(now - timedelta(hours=3), now), now, futures=FuturesClient(core), margin=None)
    assert ev.gaps and all("futures" in g for g in ev.gaps)
    assert ev.futures is not None and ev.futures.income == () and ev.futures.account is None
    section = sections(judge(ev))["futures"]
    assert section["read"] is False and section["gaps"], "unknown, never an empty futures account"

"""The rate budget: weights per endpoint, calendar minutes, other processes' weight, SAPI buckets, threads."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from responder.clock import ManualClock, to_ms
from responder.errors import IpBanned
from responder.exchange.budget import RateBudget, calendar_minimum_seconds, endpoint_cost
from responder.simulator import Simulator

from .conftest import START, ClientFactory, scenario

ACCOUNT = endpoint_cost("GET", "/api/v3/account", {})


# Each endpoint's weight against the reference: tests/test_weights.py (the simulator's too).


def test_weight_used_by_someone_else_makes_the_next_call_wait_for_the_next_minute(
    make_client: ClientFactory, sim: Simulator, clock: ManualClock
) -> None:
    sim.control.set_weight_used(5990)  # another bot on this IP
    client = make_client()
    client.server_time()  # the header now says 5991 used
    sim.control.set_weight_used(0)  # the other bot stops; the client only knows the header
    assert clock.now() == START
    client.account()  # weight 20 does not fit: wait for 14:01:00 server time
    assert clock.now() >= datetime(2026, 11, 23, 14, 1, tzinfo=UTC)
    assert clock.now() < datetime(2026, 11, 23, 14, 1, 1, tzinfo=UTC)
    assert client.budget.stats().waits >= 1


def test_calendar_minutes_reset_the_count(clock: ManualClock) -> None:
    budget = RateBudget(clock, api_limit=100)
    budget.observe(ACCOUNT, {"x-mbx-used-weight-1m": "95"})
    assert budget.stats().used == 95
    clock.set(datetime(2026, 11, 23, 14, 1, tzinfo=UTC))
    assert budget.stats().used == 0
    assert budget.reserve(ACCOUNT) == 0


def test_minutes_are_counted_on_the_server_clock(clock: ManualClock) -> None:
    budget = RateBudget(clock, api_limit=30)
    budget.align(45.0)  # the server is 45 s ahead: its minute turns 5 s from now (14:00:10 local)
    budget.reserve(ACCOUNT)
    waited = budget.reserve(ACCOUNT)
    assert 5 <= waited < 6


def test_sapi_buckets_are_independent_per_endpoint(clock: ManualClock) -> None:
    budget = RateBudget(clock)
    restrictions = endpoint_cost("GET", "/sapi/v1/account/apiRestrictions", {})
    status = endpoint_cost("GET", "/sapi/v1/account/status", {})
    budget.observe(restrictions, {"x-sapi-used-ip-weight-1m": "12000"})
    assert budget.reserve(status) == 0 and budget.reserve(ACCOUNT) == 0
    assert budget.reserve(restrictions) == pytest.approx(50.05)


def test_withdraw_history_is_ten_calls_a_minute_on_the_uid_budget(clock: ManualClock) -> None:
    budget = RateBudget(clock)
    cost = endpoint_cost("GET", "/sapi/v1/capital/withdraw/history", {})
    assert sum(budget.reserve(cost) for _ in range(10)) == 0
    assert budget.reserve(cost) > 49


def test_429_pauses_the_bucket_for_retry_after(clock: ManualClock) -> None:
    budget = RateBudget(clock)
    budget.pause(ACCOUNT, 12)
    assert budget.reserve(ACCOUNT) == pytest.approx(12.05)
    assert budget.stats().limit == 4800


def test_418_refuses_everything_until_the_ban_ends(clock: ManualClock) -> None:
    budget = RateBudget(clock)
    budget.ban(START + timedelta(minutes=2))
    with pytest.raises(IpBanned):
        budget.reserve(ACCOUNT)
    clock.advance(121)
    assert budget.reserve(ACCOUNT) == 0


def test_minimum_seconds_for_a_planned_sweep(clock: ManualClock) -> None:
    budget = RateBudget(clock, api_limit=6000)
    assert budget.minimum_seconds(6000) == 0
    budget.observe(ACCOUNT, {"x-mbx-used-weight-1m": "1000"})
    assert budget.minimum_seconds(5000) == 0
    assert budget.minimum_seconds(5001) == pytest.approx(50)  # the rest fits in the next minute
    assert budget.minimum_seconds(5000 + 12001) == pytest.approx(50 + 120)


@pytest.mark.parametrize(
    ("weight", "second", "used", "latency", "expected"),
    [
        (6000, 0.0, 0, 0.02, 0.02),  # fits in this minute: one round trip
        (6001, 0.0, 0, 0.02, 60.02),  # one weight spills into the next minute
        (10_900, 48.5, 0, 0.02, 11.52),  # a late start: 6000 now, the rest when the minute turns
        (10_900, 48.5, 3000, 0.0, 71.5),  # half spent by someone else: 3000 now, 6000, then 1900
        (12_000, 10.0, 0, 0.0, 50.0),
        (12_001, 10.0, 0, 0.0, 110.0),
        (5, 59.0, 6000, 0.0, 1.0),  # nothing left now: the next minute
    ],
)
def test_calendar_minimum_spends_this_minute_then_whole_minutes(
    weight: int, second: float, used: int, latency: float, expected: float
) -> None:
    got = calendar_minimum_seconds(weight, limit=6000, second=second, used=used, latency=latency)
    assert got == pytest.approx(expected)


def test_a_late_answer_from_the_previous_minute_does_not_fill_this_one(clock: ManualClock) -> None:
    """Reserved at 14:00:59, answered after the minute turned: the header counts the server's old
    minute, so the new minute keeps its own count (it used to wait a whole minute for nothing)."""
    budget = RateBudget(clock, api_limit=100)
    clock.set(datetime(2026, 11, 23, 14, 0, 59, tzinfo=UTC))
    for _ in range(4):
        budget.reserve(ACCOUNT)
    clock.set(datetime(2026, 11, 23, 14, 1, 0, 500_000, tzinfo=UTC))
    budget.observe(ACCOUNT, {"x-mbx-used-weight-1m": "80"})
    assert budget.reserve(ACCOUNT) == 0
    for _ in range(3):  # the other old answers: two of them reached the server after 14:01:00
        budget.observe(ACCOUNT, {"x-mbx-used-weight-1m": "40"})
    assert budget.stats().used == 20
    budget.observe(ACCOUNT, {"x-mbx-used-weight-1m": "60"})  # ours, from this minute: it counts
    assert budget.stats().used == 60


def test_the_limit_comes_from_exchange_info(make_client: ClientFactory, clock: ManualClock) -> None:
    client = make_client(on=Simulator(scenario(), clock=clock, weight_limit=1200))
    client.exchange_info()
    assert client.budget.stats().limit == 1200


class SteppingClock(ManualClock):
    """Time moves only when every worker is asleep, to the earliest wake-up: grants stay in their minute."""

    def __init__(self, start: datetime, workers: int) -> None:
        super().__init__(start)
        self.cond = threading.Condition()
        self.alive = workers
        self.wakes: list[float] = []

    def sleep(self, seconds: float) -> None:
        with self.cond:
            wake = self.monotonic() + max(seconds, 0.0)
            self.wakes.append(wake)
            self.cond.notify_all()
            while self.monotonic() < wake:
                self.cond.wait()
            self.wakes.remove(wake)

    def finished(self) -> None:
        with self.cond:
            self.alive -= 1
            self.cond.notify_all()

    def drive(self) -> None:
        with self.cond:
            while self.alive:
                if self.wakes and len(self.wakes) == self.alive:
                    self.advance(min(self.wakes) - self.monotonic())
                    self.cond.notify_all()
                self.cond.wait(timeout=0.5)


def test_threads_sharing_one_budget_never_exceed_the_limit() -> None:
    workers, limit = 8, 200
    clock = SteppingClock(START, workers)
    budget = RateBudget(clock, api_limit=limit)
    spent: dict[int, int] = defaultdict(int)
    lock = threading.Lock()

    def work() -> None:
        try:
            for _ in range(25):
                budget.reserve(ACCOUNT)
                with lock:
                    spent[to_ms(clock.now()) // 60_000] += ACCOUNT.weight
        finally:
            clock.finished()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    clock.drive()
    for t in threads:
        t.join(timeout=10)
    assert sum(spent.values()) == workers * 25 * ACCOUNT.weight
    assert max(spent.values()) <= limit
    assert len(spent) == workers * 25 * ACCOUNT.weight // limit  # every minute used to the full


class OneIpServer:
    """Binance's side of the budget: counts weight per calendar minute as requests *arrive*."""

    def __init__(self, clock: ManualClock, limit: int, preused: int) -> None:
        self.clock, self.limit, self.preused = clock, limit, preused
        self.counted: dict[int, int] = defaultdict(int)
        self.rejected = 0

    def arrive(self, weight: int) -> dict[str, str]:
        minute = to_ms(self.clock.now()) // 60_000
        if self.preused + self.counted[minute] + weight > self.limit:
            self.rejected += 1  # a 429
        else:
            self.counted[minute] += weight
        return {"x-mbx-used-weight-1m": str(self.preused + self.counted[minute])}


@pytest.mark.parametrize("depth", [2, 8])
def test_requests_in_flight_count_on_top_of_the_header(depth: int, clock: ManualClock) -> None:
    """Eight requests reserved, the oldest answered first: each header counts only the requests that
    reached the server, so the ones still in flight must be added to it, or the budget overshoots."""
    server = OneIpServer(clock, limit=6000, preused=3000)  # another client spends half of every minute
    budget = RateBudget(clock)
    in_flight: list[int] = []

    def answer_oldest() -> None:
        budget.observe(ACCOUNT, server.arrive(in_flight.pop(0)))

    for _ in range(3 * 3000 // ACCOUNT.weight):  # three minutes' worth of our half
        if budget.minimum_seconds(ACCOUNT.weight) > 0:
            while in_flight:  # this worker sleeps to the next minute; the others' requests land now
                answer_oldest()
        budget.reserve(ACCOUNT)
        in_flight.append(ACCOUNT.weight)
        if len(in_flight) == depth:
            answer_oldest()
    while in_flight:
        answer_oldest()
    assert server.rejected == 0
    assert len(server.counted) == 3  # and each minute's free half was used to the full
    assert set(server.counted.values()) == {3000}


def test_a_header_never_lowers_the_count_below_our_reserved_weight(clock: ManualClock) -> None:
    budget = RateBudget(clock, api_limit=100)
    for _ in range(3):
        budget.reserve(ACCOUNT)  # 60 reserved, none answered
    budget.observe(ACCOUNT, {"x-mbx-used-weight-1m": "20"})  # the first answer; two still in flight
    assert budget.stats().used == 60
    budget.observe(ACCOUNT, {"x-mbx-used-weight-1m": "70"})  # someone else spent 30 meanwhile
    assert budget.stats().used == 90  # 70 counted + 20 still in flight
    assert budget.reserve(ACCOUNT) > 0  # 110 would not fit: wait for the next minute


def test_an_unanswered_request_stops_counting_after_two_minutes(clock: ManualClock) -> None:
    budget = RateBudget(clock, api_limit=100)
    budget.reserve(ACCOUNT)  # its answer never comes (a transport error)
    clock.advance(120)
    budget.reserve(ACCOUNT)
    budget.observe(ACCOUNT, {"x-mbx-used-weight-1m": "20"})
    assert budget.stats().used == 20


def test_a_wait_for_the_next_minute_is_announced_with_its_end(
    make_client: ClientFactory, sim: Simulator, clock: ManualClock
) -> None:
    """The wizard's progress line says it is waiting, and until when (issue 17 #10), never freezes."""
    told: list[tuple[float, datetime]] = []
    sim.control.set_weight_used(5990)
    client = make_client()
    client.budget.on_wait = lambda seconds, until: told.append((seconds, until))
    client.server_time()
    sim.control.set_weight_used(0)
    client.account()
    assert told and told[0][0] >= 1
    assert (
        datetime(2026, 11, 23, 14, 1, tzinfo=UTC) <= told[0][1] < datetime(2026, 11, 23, 14, 1, 1, tzinfo=UTC)
    )

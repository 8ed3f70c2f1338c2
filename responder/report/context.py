"""Building the report context from what the incident directory holds: journal, evidence, findings.

Pure: `build_context` takes the parsed record, the time of rendering and the user's zone, and returns
a frozen `ReportContext` of display-ready strings. Nothing here reads files, the clock or the network,
so the same directory always yields the same report (except the "generated at" line).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from responder.errors import JournalError
from responder.incident.record import IncidentRecord, JournalEntry
from responder.report import facts, fmt
from responder.report.derivatives_view import flagged_fill_times as derivative_fills
from responder.report.derivatives_view import section as derivatives_section
from responder.report.findings_view import account_events, flagged_fill_times
from responder.report.findings_view import findings as findings_section
from responder.report.model import (
    Check,
    EvidenceRow,
    Findings,
    Happened,
    Header,
    Metrics,
    ReportContext,
    Revocation,
    Summary,
    TimelineRow,
)
from responder.report.text import clean
from responder.report.timeline import consents, milestone_points, response_points, timeline_rows
from responder.report.timeline_svg import Point, build

REVOCATION_RESULTS = ("dead", "alive", "indeterminate")


def _opened(record: IncidentRecord) -> JournalEntry:
    first = record.entries[0]
    if first.kind != "case-opened":
        raise JournalError(
            f"journal.jsonl starts with {first.kind!r}, not 'case-opened'", hint="run `responder verify DIR`"
        )
    return first


def _banner(p: Mapping[str, Any]) -> str | None:
    mode = str(p.get("mode", "live"))
    if mode == "drill":
        scenario = clean(str(p.get("scenario") or "unnamed"))
        return f"DRILL · scenario {scenario} · simulated exchange · nothing real was touched"
    if mode == "dry-run":
        return "DRY RUN · no change was sent to Binance; actions marked 'would do' were not performed"
    return None


def _header(record: IncidentRecord, opened: JournalEntry, zone: tzinfo | None) -> Header:
    p = opened.payload
    times = {str(e.payload.get("path", "")): e.time for e in record.entries if e.kind == "evidence"}
    profile = facts.key_profile(record.evidence, times)
    summary = record.findings.get("summary") if record.findings else None
    return Header(
        case_id=clean(str(p.get("case_id", "unknown"))),
        mode=clean(str(p.get("mode", "live"))),
        banner=_banner(p),
        account_uid=facts.account_uid(record.evidence, summary if isinstance(summary, Mapping) else None),
        key_masked=clean(str(p.get("key", "unknown"))),
        key_type=clean(str(p.get("key_type", "unknown"))),
        key_created=fmt.when(profile.created, zone) if profile and profile.created else None,
        permissions=profile.permissions if profile else None,
        withdrawals_enabled=profile.withdrawals if profile else None,
        ip_restricted=profile.ip_restricted if profile else None,
        permissions_read_at=fmt.when(profile.read_at, zone) if profile else None,
        responder_version=clean(str(p.get("responder_version", ""))),
        playbook=clean(f"{p.get('playbook_id', '')} (sha256 {str(p.get('playbook_sha256', ''))[:12]}…)"),
        exchange=clean(str(p.get("base_url", ""))),
    )


def _revocation(entries: tuple[JournalEntry, ...]) -> Revocation:
    checks = tuple(
        Check(
            e.seq,
            fmt.stamp(e.time) + " UTC",
            clean(str(e.payload.get("result"))),
            clean(str(e.payload.get("reason", ""))),
            e.payload.get("result") == "dead",
        )
        for e in entries
        if e.kind == "check" and e.payload.get("result") in REVOCATION_RESULTS
    )
    dead = next((c for c in checks if c.proven), None)
    deleted = any(e.kind == "confirmation" and e.payload.get("role") == "key-deleted" for e in entries)
    if dead is not None:
        conclusion = f"The key was proven dead at {dead.time} (check #{dead.seq}: {dead.reason})."
        to_support = f"I deleted the key. {conclusion}"
    elif checks:
        last = checks[-1]
        said = f"the last check (#{last.seq}, {last.time}) said {last.result}: {last.reason}."
        conclusion = f"Revocation is NOT proven: {said}"
        opening = "I deleted the key, but" if deleted else "I could not yet delete the key, and"
        to_support = f"{opening} its revocation is not proven: {said} Please make sure it is disabled."
    else:
        conclusion = "No revocation check was recorded."
        to_support = (
            "I deleted the key; no check of its revocation was recorded. Please make sure it is disabled."
            if deleted
            else "I have not yet confirmed that the key is deleted. Please disable it."
        )
    return Revocation(checks, conclusion, dead is not None, to_support)


def _report_time(entries: tuple[JournalEntry, ...], generated_at: datetime) -> datetime:
    for e in entries:
        if e.kind in ("intent", "action-result", "outcome") and e.payload.get("role") == "report":
            return e.time
    return generated_at


def _metrics(
    entries: tuple[JournalEntry, ...], noticed: datetime | None, opened: datetime, generated_at: datetime
) -> Metrics:
    start, basis = (noticed, "first noticed") if noticed else (opened, "case opened")
    dead = next((e.time for e in entries if e.kind == "check" and e.payload.get("result") == "dead"), None)
    return Metrics(
        time_to_contain=fmt.duration(dead - start) if dead else None,
        contain_from=basis,
        contain_note=None if dead else "not contained: the key was never proven dead",
        time_to_report=fmt.duration(_report_time(entries, generated_at) - start),
        report_from=basis,
    )


def _done_by_user(entries: tuple[JournalEntry, ...], revocation: Revocation) -> tuple[str, ...]:
    done: list[str] = []
    intents: dict[str, str] = {}
    approvals = consents(entries)  # an approval is not a deed: its outcome is listed instead
    for e in entries:
        p = e.payload
        if e.seq in approvals:
            continue
        if e.kind == "intent":
            intents[str(p.get("action"))] = clean(str(p.get("description") or p.get("action")))
        elif e.kind == "outcome" and p.get("status") in ("ok", "reconciled"):
            done.append(
                f"{intents.get(str(p.get('action')), clean(str(p.get('action'))))}: "
                f"done ({fmt.stamp(e.time)} UTC)"
            )
        elif e.kind == "confirmation":
            done.append(f"{clean(str(p.get('text') or p.get('item')))} (confirmed {fmt.stamp(e.time)} UTC)")
    if revocation.dead:
        done.append("Revocation proven: " + revocation.conclusion[0].lower() + revocation.conclusion[1:])
    saved = sum(1 for e in entries if e.kind == "evidence")
    if saved:
        done.append(f"Saved {saved} evidence file(s) of raw exchange responses, listed below with SHA-256.")
    return tuple(done)


def cancels_by_user(entries: tuple[JournalEntry, ...]) -> dict[str, str]:
    """orderId -> when the user cancelled it through responder (a confirmed cancel), from the journal."""
    out: dict[str, str] = {}
    for e in entries:
        response = e.payload.get("response") if e.kind == "outcome" else None
        if e.payload.get("status") not in ("ok", "reconciled") or not isinstance(response, Mapping):
            continue
        for order in response.get("cancelled") or ():
            if isinstance(order, Mapping) and order.get("orderId") is not None:
                out[clean(str(order["orderId"]))] = f"{fmt.stamp(e.time)} UTC (entry #{e.seq})"
    return out


def _summary(
    header: Header, happened: Happened, revocation: Revocation, found: Findings, head: str
) -> Summary:
    if header.permissions is None:
        permissions = "not read: no snapshot was taken with the leaked key before it was revoked"
    else:
        allowed = ", ".join(header.permissions) or "none"
        ip = "IP-restricted" if header.ip_restricted else "no IP restriction (usable from anywhere)"
        withdrawals = "withdrawals ENABLED" if header.withdrawals_enabled else "withdrawals off"
        permissions = f"{allowed}; {withdrawals}; {ip} (read {header.permissions_read_at})"
    dead = next((c for c in revocation.checks if c.proven), None)
    status = (
        f"proven dead at {dead.time} (check #{dead.seq})"
        if dead
        else f"NOT proven dead. {revocation.conclusion}"
    )
    loss = found.loss
    if not found.present:
        amount, method = "not investigated", ""
    elif found.gaps:
        least = (
            f"; at least {loss.estimated} USDT" if loss and loss.estimated and not loss.nothing_lost else ""
        )
        amount, method = (
            f"not known yet: the investigation was incomplete{least}",
            loss.method if loss else "",
        )
    elif loss and loss.estimated:
        amount, method = f"{loss.estimated} USDT (estimated)", loss.method
    else:
        amount, method = "no estimate recorded", loss.method if loss else ""
    return Summary(
        account_uid=header.account_uid or "not read",
        key=f"{header.key_masked} ({header.key_type})",
        permissions=permissions,
        suspected_leak=happened.leak_time or "unknown",
        key_status=status,
        key_dead=dead is not None,
        loss=amount,
        loss_method=method,
        attacker_orders=found.attacker_orders,
        suspicious_orders=found.suspicious_orders,
        withdrawals=len(found.withdrawals),
        transfers=len(found.transfers),
        investigated=found.present,
        journal_head=head,
    )


def _evidence(record: IncidentRecord) -> tuple[EvidenceRow, ...]:
    rows = []
    for ev in record.evidence:
        status = (
            "MISSING"
            if ev.actual_sha256 is None
            else "intact"
            if ev.actual_sha256 == ev.recorded_sha256
            else "CHANGED"
        )
        rows.append(
            EvidenceRow(
                clean(ev.path), clean(ev.recorded_sha256), clean(ev.source), clean(ev.description), status
            )
        )
    return tuple(rows)


def build_context(record: IncidentRecord, *, generated_at: datetime, zone: tzinfo | None) -> ReportContext:
    """The whole report, from the record alone. `zone` is the user's zone for the second time shown."""
    opened = _opened(record)
    entries = record.entries
    header = _header(record, opened, zone)
    ans = facts.answers(entries)
    leak, noticed = ans.get("leak_time"), ans.get("noticed")
    leak_at = leak.moment if leak else None
    happened = Happened(
        what_leaked=ans["what"].text if "what" in ans else None,
        vector=ans["vector"].text if "vector" in ans else None,
        leak_time=(fmt.when(leak.moment, zone) if leak.moment else leak.text) if leak else None,
        noticed=(fmt.when(noticed.moment, zone) if noticed.moment else noticed.text) if noticed else None,
        case_opened=fmt.when(opened.time, zone),
    )
    revocation = _revocation(entries)
    noticed_at = noticed.moment if noticed else None
    events = account_events(record.findings, leak_at, noticed_at)
    rows: tuple[TimelineRow, ...] = timeline_rows(entries, opened.time, events)
    found = findings_section(record.findings, leak_at, cancels_by_user(entries))
    fills = [
        Point(t, f"{verdict}: {label} at {fmt.stamp(t)} UTC", None, f"fill-{verdict}")
        for t, label, verdict in (*flagged_fill_times(record.findings), *derivative_fills(record.findings))
    ]
    actions, checks = response_points(entries)
    svg = build(
        leak=leak_at,
        case_opened=opened.time,
        end=entries[-1].time,
        milestones=milestone_points(entries, leak_at, noticed.moment if noticed else None),
        fills=fills,
        actions=actions,
        checks=checks,
    )
    evidence = _evidence(record)
    warnings = tuple(
        f"{row.path} is {row.status} since it was journaled: run `responder verify` on the incident directory"
        for row in evidence
        if row.status != "intact"
    ) + ((clean(record.findings_note),) if record.findings_note else ())
    return ReportContext(
        title=f"Incident report · leaked Binance API key · case {header.case_id}",
        generated_at=fmt.when(generated_at, zone),
        warnings=warnings,
        summary=_summary(header, happened, revocation, found, entries[-1].hash),
        header=header,
        happened=happened,
        timeline=rows,
        metrics=_metrics(entries, noticed.moment if noticed else None, opened.time, generated_at),
        revocation=revocation,
        findings=found,
        done_by_user=_done_by_user(entries, revocation),
        evidence=evidence,
        evidence_intact=all(r.status == "intact" for r in evidence),
        journal_head=entries[-1].hash,
        journal_entries=len(entries),
        svg=svg,
        derivatives=derivatives_section(record.findings),
    )

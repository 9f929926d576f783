"""What a cycle did, in lines a person reads (no customer data): the CLI and the demo print these."""
from __future__ import annotations

from bot.cycle.run import CycleReport
from bot.read.rows import column_of


def describe_cycle(report: CycleReport, *, verbose_plan: bool = False) -> list[str]:
    """A few lines a person can read: what was read, found, and written. No customer data."""
    o = report.outcome
    if o is None:  # skipped: the input is what the last cycle already handled
        s = report.summary
        read = " and ".join(f"{n} rows from '{t}'" for t, n in s.get("rows_read", {}).items())
        return [f"Read {read or 'the sheet'} in {report.source}: the same as at the last cycle.",
                f"Last results: {s.get('errors', '?')} errors, {s.get('warnings', '?')} warnings, "
                f"{s.get('drafts_waiting', '?')} drafts waiting, {s.get('flags', '?')} flags.",
                "Nothing changed since the last cycle; wrote nothing."]
    lines = []
    read = " and ".join(f"{n} rows from '{t}'" for t, n in o.rows_read.items())
    lines.append(f"Read {read} in {report.source}.")
    lines.append(f"Log Issues: {o.validation.errors} errors, {o.validation.warnings} warnings.")
    lines.append(f"Drafts: {o.ready_total} ready ({o.drafts_new} new); "
                 f"{o.drafts_waiting} waiting for a rep in the Drafts tab.")
    f = o.flags
    lines.append(f"Escalations: {o.flags_total} flags ({len(f.raised)} raised, {len(f.grown)} grown, "
                 f"{len(f.merged)} merged this cycle).")
    open_cases = o.desired.get("open_cases", [])
    level_3 = column_of(open_cases, "level").count("Level 3")
    lines.append(f"Open Cases: {len(open_cases)} past Level 1 ({level_3} at Level 3).")
    plan = o.plan
    if plan.is_empty:
        lines.append("Nothing changed since the last cycle; wrote nothing.")
    else:
        created = f" (created tabs: {', '.join(c.title for c in plan.creates)})" if plan.creates else ""
        verb = "Would write" if report.dry_run else "Wrote"
        lines.append(f"{verb} {plan.cell_count} cells to {', '.join(plan.tabs_written())}{created}"
                     f"{_moved_rows(plan.shifts)}.")
        if report.dry_run or verbose_plan:
            for w in plan.writes:
                lines.append(f"  {w.tab}: {len(w.values)} row(s) x {w.last_col - w.col + 1} column(s) "
                             f"at row {w.row}, column {w.col}")
        if report.attempts > 1:
            lines.append(f"(The sheet changed during the cycle, so it ran {report.attempts} times.)")
    return lines


def _moved_rows(shifts) -> str:
    """'; moved rows in Open Cases (1 deleted)': a shift spans each stretch of bot columns, counted once."""
    by_tab: dict[str, list[int]] = {}
    for tab, _, count in dict.fromkeys((s.tab, s.row, s.count) for s in shifts):
        by_tab.setdefault(tab, [0, 0])[count < 0] += abs(count)
    parts = [f"{tab} ({', '.join(x for x in (f'{ins} inserted' if ins else '', f'{dele} deleted' if dele else '') if x)})"
             for tab, (ins, dele) in by_tab.items()]
    return f"; moved rows in {', '.join(parts)} instead of rewriting them" if parts else ""


def format_issues(report: CycleReport, limit: int | None = None) -> list[str]:
    issues = report.outcome.validation.issues
    lines = [f"{i.severity.upper():7} {i.tab} row {i.row}, column {i.column} ({i.field}): {i.problem}"
             for i in issues[:limit]]
    if limit is not None and len(issues) > limit:
        lines.append(f"... and {len(issues) - limit} more in the Log Issues tab.")
    return lines

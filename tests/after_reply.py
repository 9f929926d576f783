"""Helpers for the follow-up, CAPA, lots and retention tests: cycles over in-memory tabs across days,
and the edits people make between them (a rep sets Status, a lead fills the CAPA columns)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from bot.backends.base import Snapshot
from bot.cycle.compute import compute
from conftest import rows_of
from hardening import apply_in_memory


def at(day: date) -> datetime:
    return datetime.combine(day, time(9, 30), tzinfo=timezone.utc)


class Sheet:
    """The tabs of one sheet, cycle after cycle."""

    def __init__(self, log: list[dict], comps: list[dict] = ()):
        self.tabs = {"Defective Log": rows_of("defective_log", log), "Comp Sheet": rows_of("comp_sheet", list(comps))}
        self.outcome = None

    def cycle(self, day: date, settings, renderer):
        self.outcome = compute(Snapshot(self.tabs, "t"), settings, at(day), renderer)
        self.tabs = apply_in_memory(self.tabs, self.outcome.plan)
        return self.outcome

    def rows(self, tab: str) -> list[dict]:
        rows = self.tabs[tab]
        header = rows[0]
        return [{h: (r[i] if i < len(r) else None) for i, h in enumerate(header)} for r in rows[1:]]

    def set(self, tab: str, match: dict, **cells) -> None:
        """Type into the first row of `tab` whose cells equal `match` (adding any header not there yet)."""
        rows = self.tabs[tab]
        header = rows[0]
        for h in cells:
            if h not in header:
                header.append(h)
        for r in rows[1:]:
            if all((r[header.index(h)] if header.index(h) < len(r) else None) == v for h, v in match.items()):
                for h, v in cells.items():
                    i = header.index(h)
                    while len(r) <= i:
                        r.append(None)
                    r[i] = v
                return
        raise AssertionError(f"no row of {tab} matches {match}")

    def set_log(self, ticket: str, header: str, value) -> None:
        self.set("Defective Log", {"Ticket ID": ticket}, **{header: value})

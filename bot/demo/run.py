"""`make demo`: build a realistic sample workbook (once), replay its story with the real bot (a cycle two
weeks ago, what people typed, today's cycle; bot.demo.story), show what it did.

Running it again runs another cycle on the same workbook, which finds nothing new and writes nothing.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.backends.base import CreateTab, Plan, RangeWrite
from bot.backends.workbook import WorkbookBackend
from bot.clock import local_now
from bot.config import load_settings
from bot.cycle.run import run_cycle
from bot.cycle.describe import describe_cycle
from bot.demo.story import replay
from bot.demo.sample_data import build_sample

DEMO_WORKBOOK = Path("demo-output") / "crunch-and-co-defective-log.xlsx"
DEMO_SIGNOFF = "The Crunch & Co Customer Care Team"


def demo_config(workbook: Path) -> Path:
    """The settings file beside the sample workbook: the demo runs with it, and a user trying the other
    commands on the sample passes it with --config, so their cycles keep the demo's sign-off instead of
    redrafting every email with the default one. Written once: a user's edits to it are kept."""
    path = workbook.with_suffix(".toml")
    if path.exists():
        return path
    path.write_text(
        "# Settings for the sample workbook beside this file (written by `make demo`). Try:\n"
        f"#   .venv/bin/defective-log-bot validate --config {path}\n"
        "[sheet]\n"
        f'workbook = "{workbook.name}"\n'
        "\n[drafts]\n"
        f'signoff = "{DEMO_SIGNOFF}"\n', encoding="utf-8")
    return path


def write_workbook(path: Path, tabs: dict[str, list[list]]) -> WorkbookBackend:
    """Write tabs of rows (header first) into a new workbook, as people would have typed them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    backend = WorkbookBackend(path, allow_missing=True)
    plan = Plan(tuple(CreateTab(t) for t in tabs),
                tuple(RangeWrite(t, 1, 1, tuple(tuple(r) for r in rows)) for t, rows in tabs.items()))
    backend.apply(plan, backend.read([]))
    return WorkbookBackend(path)


def build_workbook(path: Path, today: date) -> None:
    """Write the sample rep tabs into a new workbook, as reps would have typed them."""
    write_workbook(path, build_sample(today))


def after_the_reply(o) -> None:
    """A few lines on the follow-ups, corrective actions, lots and unhappy customers of this cycle."""
    lines = [f"  follow-up {r['ticket_id']}: {r['subject']}" for r in o.desired["drafts"]
             if r.get("template") == "Follow-up" and not r.get("status")]
    lines += [f"  {r['flag_id']} {r['product']} - {r['defect_type']}: {r['effectiveness']}"
              for r in o.desired["escalations"] if r.get("effectiveness")]
    lines += [f"  {r['flag_id']} {r['product']} - {r['defect_type']}: same lot {r['same_lot']}"
              for r in o.desired["escalations"] if r.get("same_lot")]
    lines += [f"  {r['ticket_id']}: {r['level']}, {r['reason']}" for r in o.desired.get("open_cases", [])
              if "not satisfied" in str(r.get("reason"))]
    if lines:
        print("\nAfter the reply and after a flag (Drafts, Escalations, Open Cases):")
        print("\n".join(lines))


def run_demo(fresh: bool = False, path: Path = DEMO_WORKBOOK, clock=local_now) -> int:
    if fresh and path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    config = demo_config(path)
    settings = load_settings(config, environ={})
    if not path.exists():
        earlier, report = replay(path, settings, clock, write_workbook)
        print(f"Built a sample workbook for 'Crunch & Co' at {path}, as it stood on {earlier}, and ran a "
              f"cycle that day; then a rep sent a reply and the leads recorded two corrective actions, a "
              f"second cycle noted the Sent On, the reps logged the cases since, and today's cycle ran:")
    else:
        print(f"Using the sample workbook at {path} (make demo-fresh, or demo --fresh, rebuilds it).")
        report = run_cycle(WorkbookBackend(settings.workbook), settings, clock)
    print()
    print("\n".join(describe_cycle(report)))
    if report.outcome is not None:
        after_the_reply(report.outcome)
    o = report.outcome
    waiting = [r for r in o.desired["drafts"] if not r.get("status")]
    if waiting:
        print("\nDrafts waiting for a rep to review and send (Drafts tab):")
        for r in waiting:
            print(f"  {r['ticket_id']:10} {r['template']:20} {r['subject']}")
    flags = [r for r in o.desired["escalations"] if r.get("flag_id") and not r.get("merged_into")]
    if flags:
        print("\nRecurring defects flagged for the leads (Escalations tab):")
        for r in flags:
            print(f"  {r['flag_id']}  {r['product']} - {r['defect_type']}: {r['cases']} cases "
                  f"{r['first_logged']}..{r['last_logged']} (tell: {r['notify']})")
    urgent = o.desired.get("open_cases", [])
    if urgent:
        print(f"\nOpen cases past Level 1 for the leads (Open Cases tab), first {min(5, len(urgent))} of {len(urgent)}:")
        for r in urgent[:5]:
            print(f"  {r['ticket_id']:10} {r['level']} ({r['owner']}), {r['age']} business days: "
                  f"{r['product']} - {r['defect_type'] or '?'}")
    v = o.validation
    if v.issues:
        print(f"\nProblems for reps to fix (Log Issues tab), first {min(8, len(v.issues))} of {len(v.issues)}:")
        for i in v.issues[:8]:
            print(f"  {i.tab} row {i.row}, column {i.column} ({i.field}): {i.problem} [{i.severity}]")
    print(f"\nOpen the workbook to see every tab: {path.resolve()}")
    print(f"Try the other commands on it with the demo's settings, e.g.: "
          f".venv/bin/defective-log-bot validate --config {config}")
    return 0

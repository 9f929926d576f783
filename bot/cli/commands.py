"""What each CLI command does, in terms of the library. Printing goes to stdout; logs to stderr."""
from __future__ import annotations

import argparse
import logging
from datetime import date
from pathlib import Path

from bot import sheet
from bot.admin.doctor import doctor_checks
from bot.admin.setup import init_plan, tab_formats
from bot.cycle.describe import describe_cycle, format_issues
from bot.backends.base import Check
from bot.clock import as_of_clock, local_now
from bot.config import Settings, load_settings
from bot.cycle.compute import required_tabs
from bot.cycle.run import QuietGate, forget_kept, run_cycle
from bot.errors import BotError, ConfigError

log = logging.getLogger(__name__)


def settings_from(args: argparse.Namespace) -> Settings:
    overrides = {k: getattr(args, k, None) for k in ("workbook", "spreadsheet", "credentials")}
    overrides["every_minutes"] = getattr(args, "every", None)
    return load_settings(getattr(args, "config", None), overrides=overrides)


def clock_of(args: argparse.Namespace):
    """The clock every command runs on: the real one, or the `--as-of` day."""
    return as_of_clock(getattr(args, "as_of", None), lambda: local_now())


def dispatch(args: argparse.Namespace) -> int:
    clock = clock_of(args)   # a bad --as-of is a usage error before anything is read
    if args.command == "demo":
        from bot.demo.run import run_demo
        return run_demo(fresh=args.fresh, clock=clock)
    settings = settings_from(args)
    return COMMANDS[args.command](args, settings)


RUN_LOCK_WAIT_SECONDS = 20.0   # long enough for a usual cycle to end; short enough for a cron slot


def cmd_run(args, settings: Settings) -> int:
    backend = sheet.open_backend(settings)
    if args.dry_run:   # writes nothing, so it needs no turn
        return _run(args, settings, backend)
    from bot.cycle.lock import WorkerLock, WorkerLockedError, lock_path_for
    target = sheet.target_of(settings)
    lock = WorkerLock(lock_path_for(target, settings.workbook), target)
    try:
        lock.acquire(wait_seconds=RUN_LOCK_WAIT_SECONDS)
    except WorkerLockedError as exc:
        # Not a failure: the other worker does this cycle's work (cron must not alert on it).
        print(f"Another worker is running on {backend.describe()} ({exc.holder or 'holder unknown'}); "
              "this run did nothing and leaves the cycle to it.", flush=True)
        return 0
    try:
        return _run(args, settings, backend)
    finally:
        lock.release()


def _run(args, settings: Settings, backend) -> int:
    cache = None if args.dry_run else sheet.quiet_cache(settings)
    report = run_cycle(backend, settings, clock_of(args), dry_run=args.dry_run, cache=cache)
    if args.dry_run:
        print("Dry run: nothing was written.")
    print("\n".join(describe_cycle(report)), flush=True)
    if not args.dry_run:
        notify_after(settings, backend, report, clock_of(args))
    return 0


def notify_after(settings: Settings, backend, report, clock) -> None:
    """Post the cycle's flag notices (and any left over) when a webhook is set; never raises."""
    from bot.notices.webhook import notifier_for
    notifier = notifier_for(settings, backend, clock)
    if notifier:
        notifier.after_cycle(report)


def cmd_validate(args, settings: Settings) -> int:
    report = run_cycle(sheet.open_backend(settings), settings, clock_of(args), dry_run=True)
    issues = format_issues(report)
    print("\n".join(issues) if issues else "No problems found in the Defective Log and Comp Sheet.")
    v = report.outcome.validation
    print(f"{v.errors} errors, {v.warnings} warnings.")
    return 1 if v.errors else 0


def cmd_watch(args, settings: Settings) -> int:
    from bot.cycle.watch import Worker
    from bot.notices.webhook import notifier_for
    backend = sheet.open_backend(settings)

    gate = QuietGate(backend, settings.status_every_minutes)
    cache = sheet.quiet_cache(settings)
    notifier = notifier_for(settings, backend, clock_of(args))

    def cycle() -> None:
        report = gate.run(settings, clock_of(args), cache)
        if report is not None:
            # Routine: INFO (which `watch` shows). WARNING and ERROR are kept for what needs a person.
            for line in describe_cycle(report):
                log.info("%s", line)
        if notifier:  # also when the gate skipped the cycle: the outbox is retried
            notifier.after_cycle(report)

    from bot.cycle.lock import WorkerLock, lock_path_for
    target = sheet.target_of(settings)
    with WorkerLock(lock_path_for(target, settings.workbook), target):
        print(f"Watching {backend.describe()} every {settings.every_minutes:g} minutes; Ctrl-C to stop.",
              flush=True)
        return Worker(cycle, settings.every_minutes).run()


PROTECTION_SAID = {
    "warning": "Protected the bot's columns with a warning: people are asked to confirm before they edit them "
               "(Lead Status, Lead Notes, Status and your own columns stay free).",
    "strict": "Protected the bot's columns: only the bot's account and the sheet's owner can edit them "
              "(Lead Status, Lead Notes, Status and your own columns stay free).",
    "off": "The bot's columns are not protected ([protection] mode = \"off\"; any protection the bot had set "
           "was removed).",
}


def cmd_init(args, settings: Settings) -> int:
    backend = sheet.open_backend(settings, allow_missing=True)
    snapshot = backend.read(required_tabs(settings))
    plan, notes = init_plan(settings, snapshot.tabs)
    refused = [n for n in notes if "lacks" in n]
    if refused:
        # Exit 2 writes nothing: no half-set-up workbook to explain, and the same init works once fixed.
        for note in refused:
            print(f"- {note}")
        print(f"Nothing was written to {backend.describe()}; run init again once the headers are in row 1.")
        return 2
    if not plan.is_empty:
        backend.apply(plan, snapshot)
    after = backend.read(required_tabs(settings))
    result = backend.apply_formats(tab_formats(settings, after.tabs, after.titles))
    for note in notes or ["every tab and header was already there"]:
        print(f"- {note}")
    print(f"Added dropdowns, frozen header rows and blank-cell highlights in {backend.describe()}; the bot's "
          "tabs have bold headers, column widths, wrapped long text and a filter where none was set.")
    print(result.protection_note or PROTECTION_SAID[settings.protection])
    return 0


def cmd_doctor(args, settings: Settings) -> int:
    try:
        checks = doctor_checks(settings)
    except BotError as exc:
        checks = [Check("reach the sheet", False, exc.message, code=exc.exit_code)]
    fixes_shown: set[str] = set()
    for c in checks:
        mark = "-" if c.skipped else "✓" if c.ok else "✗"
        line = f"{mark} {c.name}" + (f": {c.detail}" if c.detail else "")
        print(line)
        if not c.ok and c.fix and c.fix not in fixes_shown:   # the same fix is printed once
            print(f"    fix: {c.fix}")
            fixes_shown.add(c.fix)
    failed = [c for c in checks if not c.ok and not c.skipped]
    print("All checks passed." if not failed else f"{len(failed)} check(s) failed.")
    if not failed:
        return 0
    # A bad key file is a configuration problem (2), like a bad setting or a missing tab; the rest is
    # reaching the sheet (3). The first failure decides, as it would stop a cycle.
    return 2 if failed[0].name == "credentials file" else failed[0].code


def report_month(text: str | None, now) -> date:
    from bot.report.numbers import parse_month, previous_month
    if text is None:
        return previous_month(now)
    month = parse_month(text)
    if month is None:
        raise ConfigError("month", f"'{text}' is not a month: pass --month YYYY-MM, for example "
                                   f"--month {previous_month(now):%Y-%m}.")
    if (month.year, month.month) > (now.year, now.month):
        raise ConfigError("month", f"{text} has not begun yet: pass --month with this month or an earlier one.")
    return month


def cmd_report(args, settings: Settings) -> int:
    from bot.report.render import render_html
    from bot.report.run import TAB, run_report
    month = report_month(args.month, clock_of(args)())
    out = Path(args.out or f"monthly-report-{month:%Y-%m}.html")
    done = run_report(sheet.open_backend(settings), settings, month, clock_of(args), dry_run=args.dry_run)
    r = done.report
    html = render_html(r)
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise ConfigError("out", f"Cannot write the report to {out} ({exc.strerror or exc}): pass --out with "
                                 f"a path in a folder you can write to.") from None
    title = settings.title(TAB)
    print(f"Monthly report for {r.title} from {done.source}: {r.received} cases received, {r.closed} closed, "
          f"{r.open} still open.")
    if r.left_out:
        print(f"Left out {r.left_out} row(s) whose Date Logged is blank or not a date (see Log Issues).")
    if args.dry_run:
        print(f"Dry run: would write {done.plan.cell_count} cells to the '{title}' tab; wrote nothing there.")
    elif done.applied is None:
        print(f"The '{title}' tab already holds this report; wrote nothing to the sheet.")
    else:
        print(f"Wrote {done.plan.cell_count} cells to the '{title}' tab.")
    print(f"HTML report (chart first): {out}")
    return 0


def cmd_redact(args, settings: Settings) -> int:
    from bot.admin.redact import find
    backend = sheet.open_backend(settings)
    snapshot = backend.read(required_tabs(settings))
    found = find(snapshot, settings, args.email, args.ticket)
    who = f"ticket {args.ticket}" if args.ticket else "that email address"
    if not (found.rep_cells or found.bot_cells or found.rebuilt):
        print(f"No cell in {backend.describe()} holds data of {who}.")
        return 0
    print(f"Tickets: {', '.join(found.tickets) or 'none'}.")
    print(f"Rep-tab cells a person must clear (the bot never writes the rep tabs): {len(found.rep_cells)}")
    for c in found.rep_cells:
        print(f"  {c}")
    verb = "Cleared" if args.apply else "The bot's own copies (cleared with --apply)"
    print(f"{verb}: {len(found.bot_cells)}")
    for c in found.bot_cells:
        print(f"  {c}")
    if found.rebuilt:
        print(f"Log Issues rows about these tickets (rewritten from the rep tabs each cycle): "
              f"{', '.join(found.rebuilt)}")
    if args.apply and not found.plan.is_empty:
        backend.apply(found.plan, snapshot)
    if args.apply and forget_kept(sheet.quiet_cache(settings)):
        print("Deleted the copy of the rep tabs the bot keeps in its cache folder between cycles "
              "(the next cycle reads everything again).")
    elif not args.apply:
        print("Nothing was written (pass --apply to clear the bot's copies).")
    return 0


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "watch": cmd_watch, "init": cmd_init,
            "doctor": cmd_doctor, "report": cmd_report, "redact": cmd_redact}

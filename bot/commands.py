"""What each CLI command does, in terms of the library. Printing goes to stdout; logs to stderr."""
from __future__ import annotations

import argparse
import logging
from datetime import date
from pathlib import Path

from bot import app
from bot.backends.base import Check, CreateTab, Plan, RangeWrite, TabFormat
from bot.clock import as_of_clock, local_now
from bot.config import Settings, load_settings
from bot.core import rep_layout_errors, required_tabs
from bot.cycle import QuietGate, run_cycle
from bot.errors import BotError, ConfigError, LayoutError
from bot.formats import bot_tab_format
from bot.table import map_columns
from sheet_schema import BOT_TABS, REP_TABS, load

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
        from bot.demo import run_demo
        return run_demo(fresh=args.fresh, clock=clock)
    settings = settings_from(args)
    return COMMANDS[args.command](args, settings)


RUN_LOCK_WAIT_SECONDS = 20.0   # long enough for a usual cycle to end; short enough for a cron slot


def cmd_run(args, settings: Settings) -> int:
    backend = app.open_backend(settings)
    if args.dry_run:   # writes nothing, so it needs no turn
        return _run(args, settings, backend)
    from bot.lock import WorkerLock, WorkerLockedError, lock_path_for
    target = app.target_of(settings)
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
    cache = None if args.dry_run else app.quiet_cache(settings)
    report = run_cycle(backend, settings, clock_of(args), dry_run=args.dry_run, cache=cache)
    if args.dry_run:
        print("Dry run: nothing was written.")
    print("\n".join(app.describe_cycle(report)), flush=True)
    if not args.dry_run:
        notify_after(settings, backend, report, clock_of(args))
    return 0


def notify_after(settings: Settings, backend, report, clock) -> None:
    """Post the cycle's flag notices (and any left over) when a webhook is set; never raises."""
    from bot.webhook import notifier_for
    notifier = notifier_for(settings, backend, clock)
    if notifier:
        notifier.after_cycle(report)


def cmd_validate(args, settings: Settings) -> int:
    report = run_cycle(app.open_backend(settings), settings, clock_of(args), dry_run=True)
    issues = app.format_issues(report)
    print("\n".join(issues) if issues else "No problems found in the Defective Log and Comp Sheet.")
    v = report.outcome.validation
    print(f"{v.errors} errors, {v.warnings} warnings.")
    return 1 if v.errors else 0


def cmd_watch(args, settings: Settings) -> int:
    from bot.watch import Worker
    from bot.webhook import notifier_for
    backend = app.open_backend(settings)

    gate = QuietGate(backend, settings.status_every_minutes)
    cache = app.quiet_cache(settings)
    notifier = notifier_for(settings, backend, clock_of(args))

    def cycle() -> None:
        report = gate.run(settings, clock_of(args), cache)
        if report is not None:
            # Routine: INFO (which `watch` shows). WARNING and ERROR are kept for what needs a person.
            for line in app.describe_cycle(report):
                log.info("%s", line)
        if notifier:  # also when the gate skipped the cycle: the outbox is retried
            notifier.after_cycle(report)

    from bot.lock import WorkerLock, lock_path_for
    target = app.target_of(settings)
    with WorkerLock(lock_path_for(target, settings.workbook), target):
        print(f"Watching {backend.describe()} every {settings.every_minutes:g} minutes; Ctrl-C to stop.",
              flush=True)
        return Worker(cycle, settings.every_minutes).run()


def init_plan(settings: Settings, tabs: dict[str, list | None]) -> tuple[Plan, list[str]]:
    """Create missing tabs with their headers; add missing headers to bot tabs. Rep tabs that exist are
    never written: a missing header there is reported for a person to add."""
    creates, writes, notes = [], [], []
    for name in REP_TABS + BOT_TABS:
        title, schema = settings.title(name), load(name)
        headers = [settings.headers[name].get(c.key, c.header) for c in schema.columns]
        rows = tabs.get(title)
        if rows is None:
            creates.append(CreateTab(title, hidden=schema.hidden))
            writes.append(RangeWrite(title, 1, 1, (tuple(headers),)))
            notes.append(f"created the '{title}' tab with its headers")
            continue
        # The same header matching as a cycle (case and spaces ignored, blank cells skipped).
        cols = map_columns(title, rows[0] if rows else [], schema, settings.headers[name], strict=False)
        missing = [cols.headers[c.key] for c in schema.columns if c.key not in cols.index]
        if not missing:
            continue
        if name in REP_TABS:
            # The optional columns the contract lets init add (Customer Feedback) go after the last
            # header; any other missing header is for a person to add: init writes no other rep-tab cell.
            optional = [cols.headers[c.key] for c in schema.columns if c.key not in cols.index and c.added_by_init]
            missing = [h for h in missing if h not in optional]
            if optional:
                writes.append(RangeWrite(title, 1, cols.width + 1, (tuple(optional),)))
                notes.append(f"added the optional {', '.join(repr(h) for h in optional)} header(s) to the "
                             f"'{title}' tab")
            if missing:
                notes.append(f"the '{title}' tab lacks {', '.join(repr(h) for h in missing)}: add these headers "
                             f"in row 1 (the bot never writes a rep tab)")
        else:
            writes.append(RangeWrite(title, 1, cols.width + 1, (tuple(missing),)))
            notes.append(f"added {len(missing)} header(s) to the '{title}' tab")
    return Plan(tuple(creates), tuple(writes)), notes


def tab_formats(settings: Settings, tabs: dict[str, list | None], titles: dict[str, str] | None = None
                ) -> list[TabFormat]:
    """`titles`: the tabs' names in the sheet where they differ from the configured ones (Snapshot.titles).

    Rep tabs: frozen header, dropdowns, blank-required highlights. Bot tabs: bold frozen header, the
    schema's widths and wrapped columns, a filter, and the [protection] mode for the bot's columns."""
    formats = []
    for name in REP_TABS + BOT_TABS:
        title, schema = settings.title(name), load(name)
        rows = tabs.get(title)
        header = rows[0] if rows else [settings.headers[name].get(c.key, c.header) for c in schema.columns]
        cols = map_columns(title, header, schema, settings.headers[name], strict=False)
        shown = (titles or {}).get(title, title)
        if name in BOT_TABS:
            formats.append(bot_tab_format(shown, schema, cols.index, cols.width, settings.protection))
            continue
        dropdowns, required = {}, []
        for c in schema.columns:
            if c.key not in cols.index:
                continue
            if c.choices:   # a choice column, or suggestions in a free-text one (Customer Feedback)
                dropdowns[cols.index[c.key]] = c.choices
            if c.required:
                required.append(cols.index[c.key])
        formats.append(TabFormat(shown, True, dropdowns, tuple(required)))
    return formats


PROTECTION_SAID = {
    "warning": "Protected the bot's columns with a warning: people are asked to confirm before they edit them "
               "(Lead Status, Lead Notes, Status and your own columns stay free).",
    "strict": "Protected the bot's columns: only the bot's account and the sheet's owner can edit them "
              "(Lead Status, Lead Notes, Status and your own columns stay free).",
    "off": "The bot's columns are not protected ([protection] mode = \"off\"; any protection the bot had set "
           "was removed).",
}


def cmd_init(args, settings: Settings) -> int:
    backend = app.open_backend(settings, allow_missing=True)
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


def doctor_checks(settings: Settings) -> list[Check]:
    """The same checks a cycle makes, in its order (settings, access, rep tabs, bot tabs, write), each with
    the exit code `run` would give for it: doctor and run agree on every set-up mistake."""
    backend = app.open_backend(settings, reuse_token=False)
    checks = list(backend.check_access())
    if not all(c.ok or c.skipped for c in checks) or not checks:
        return checks
    snapshot = backend.read(required_tabs(settings))
    # The rep tabs: the very errors a cycle stops with (core.rep_layout_errors), one check per tab.
    problems = {e.tab: e for e in rep_layout_errors(snapshot, settings)}
    for name in REP_TABS:
        title = settings.title(name)
        if title in problems:
            checks.append(Check(f"tab '{title}'", False, problems[title].message, code=problems[title].exit_code))
        elif snapshot.tabs.get(title) is not None:
            shown = snapshot.titles.get(title, title)
            checks.append(Check(f"tab '{title}'", True, "found, with every header it needs"
                                + (f" (named '{shown}' in the sheet)" if shown != title else "")))
    # The bot tabs: a missing tab or header is created by init or the first cycle, not a failure.
    for name in BOT_TABS:
        title, schema = settings.title(name), load(name)
        rows = snapshot.tabs.get(title)
        if rows is None:
            checks.append(Check(f"tab '{title}'", True, "will be created by `init` or the first cycle"))
            continue
        try:
            cols = map_columns(title, rows[0] if rows else [], schema, settings.headers[name], strict=False)
        except LayoutError as exc:     # a header twice: a cycle stops there too
            checks.append(Check(f"tab '{title}'", False, exc.message, code=exc.exit_code))
            continue
        missing = [cols.headers[c.key] for c in schema.columns if c.key not in cols.index]
        checks.append(Check(f"tab '{title}'", True, "found" if not missing else
                            f"found; {len(missing)} header(s) will be added by `init` or the first cycle"))
    # Writing is about the file (or the sheet's sharing), not a tab: checked once.
    existing = [settings.title(n) for n in BOT_TABS if snapshot.tabs.get(settings.title(n)) is not None]
    checks.append(backend.check_write(existing[0] if existing else settings.title(BOT_TABS[0])))
    # What `init` does about protection here; a line to read, never a failure (no request either).
    checks.append(Check("protection", True, protection_line(settings)))
    return checks


def protection_line(settings: Settings) -> str:
    if settings.workbook is not None:
        return ("none in a workbook: Excel cannot ask people to confirm before they edit some columns, and "
                "locking a sheet would lock people's own columns too (README: 'Working in the bot's tabs')")
    if settings.protection == "off":
        return "[protection] mode = \"off\": `init` protects nothing and removes the bot's earlier protections"
    return (f"`init` protects the bot's columns ([protection] mode = \"{settings.protection}\"); Lead Status, "
            "Lead Notes, Status and people's own columns stay editable")


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
    from bot.report import parse_month, previous_month
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
    from bot.report_render import render_html
    from bot.reporting import TAB, run_report
    month = report_month(args.month, clock_of(args)())
    out = Path(args.out or f"monthly-report-{month:%Y-%m}.html")
    done = run_report(app.open_backend(settings), settings, month, clock_of(args), dry_run=args.dry_run)
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
    from bot.redact import find
    backend = app.open_backend(settings)
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
    elif not args.apply:
        print("Nothing was written (pass --apply to clear the bot's copies).")
    return 0


COMMANDS = {"run": cmd_run, "validate": cmd_validate, "watch": cmd_watch, "init": cmd_init,
            "doctor": cmd_doctor, "report": cmd_report, "redact": cmd_redact}

"""Command line: parses arguments, calls the library, turns errors into one sentence and an exit code."""
from __future__ import annotations

import argparse
import logging
import sys

from bot import __version__
from bot.errors import BotError

log = logging.getLogger("bot")


def _common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    g = parser.add_argument_group("sheet and settings")
    g.add_argument("--config", metavar="PATH", default=default, help="TOML config file (or DLB_CONFIG)")
    g.add_argument("--workbook", metavar="PATH", default=default, help="local .xlsx workbook (DLB_WORKBOOK)")
    g.add_argument("--spreadsheet", metavar="ID_OR_URL", default=default,
                   help="Google Sheet id or URL (DLB_SPREADSHEET)")
    g.add_argument("--credentials", metavar="PATH", default=default,
                   help="service-account key file (GOOGLE_APPLICATION_CREDENTIALS)")
    g.add_argument("--log-format", choices=("text", "json"), default=default, help="log line format")
    g.add_argument("-v", "--verbose", action="store_true", default=default, help="log details")
    g.add_argument("--as-of", metavar="YYYY-MM-DD", default=default,
                   help="run as of that day (demos, tests, reproducing a past day); not for routine runs")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="defective-log-bot",
        description="Validates the Defective Log, drafts customer replies and flags recurring defects.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _common(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser("run", help="run one cycle and exit")
    p.add_argument("--once", action="store_true", help="one cycle, then exit (the default)")
    p.add_argument("--dry-run", action="store_true", help="print the plan; write nothing")
    p = sub.add_parser("watch", help="run a cycle every few minutes until stopped (Ctrl-C or SIGTERM)")
    p.add_argument("--every", type=float, metavar="MINUTES", help="minutes between cycles (default 5)")
    sub.add_parser("validate", help="print the Log Issues; exit 1 when there are errors; write nothing")
    sub.add_parser("init", help="create missing tabs and headers, add dropdowns and highlights")
    sub.add_parser("doctor", help="check credentials, access, tabs and headers, and say how to fix each")
    p = sub.add_parser("report", help="write a month's report to the Monthly Report tab and an HTML file")
    p.add_argument("--month", metavar="YYYY-MM", help="the calendar month (default: the previous month)")
    p.add_argument("--out", metavar="PATH", help="the HTML file (default: monthly-report-YYYY-MM.html here)")
    p.add_argument("--dry-run", action="store_true", help="write the HTML file only, not the sheet")
    p = sub.add_parser("redact", help="list (and with --apply clear the bot's copies of) one customer's data")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--email", metavar="ADDRESS", help="the customer's email address")
    who.add_argument("--ticket", metavar="ID", help="a Ticket ID")
    p.add_argument("--apply", action="store_true", help="clear the bot's own copies (never the rep tabs)")
    p = sub.add_parser("demo", help="build a sample workbook (if missing) and run a cycle on it")
    p.add_argument("--fresh", action="store_true", help="rebuild the sample workbook from scratch")
    for name, sp in sub.choices.items():
        _common(sp, suppress=True)
    return parser


def setup_logging(fmt: str | None, verbose: bool, command: str | None = None) -> None:
    """WARNING and up by default; `watch` also logs its routine cycle summaries, at INFO."""
    from bot.cli.logs import configure
    quiet = logging.INFO if command == "watch" else logging.WARNING
    configure(fmt or "text", logging.DEBUG if verbose else quiet)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(getattr(args, "log_format", None), bool(getattr(args, "verbose", False)), args.command)
    try:
        from bot.cli import commands
        return commands.dispatch(args)
    except BotError as exc:
        print(f"defective-log-bot: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("defective-log-bot: interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one sentence, details only with --verbose
        log.debug("unexpected error", exc_info=True)
        print(f"defective-log-bot: unexpected {type(exc).__name__}: run again with --verbose for "
              f"details, and report it if it persists.", file=sys.stderr)
        return 1

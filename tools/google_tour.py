"""`make demo-google` (`python -m tools.google_tour` from the repository root): the Google Sheets path, end to end, with no Google account and no network.

The real command line and the real gspread and google-auth clients talk to tests/fakes/ (`tests.fakes`), the
stateful fake of the Sheets, Drive and token endpoints the tests use (on `responses`, in this process).
It shows a first cycle, a second one that writes nothing, and what a user sees when the key is refused,
the sheet is not shared, or a tab is missing.
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

import responses

from bot.cli.main import main
from bot.clock import local_now
from bot.demo.sample_data import build_sample
from tests.fakes import FakeSheets, make_service_account_key


def run(fake: FakeSheets, key: Path, *args: str) -> tuple[int, int]:
    """One command as a user would type it, printed with its output; returns its exit code and how many
    write requests it sent."""
    out, err = io.StringIO(), io.StringIO()
    before = len(fake.api_log)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*args, "--spreadsheet", fake.spreadsheet_id, "--credentials", str(key)])
    calls = fake.api_log[before:]
    writes = sum(1 for c in calls if c.is_write)
    print(f"$ defective-log-bot {' '.join(args)} --spreadsheet {fake.spreadsheet_id} --credentials <key>")
    for line in (out.getvalue() + err.getvalue()).strip().splitlines():
        print(f"  {line}")
    print(f"  -> exit {code}; {len(calls)} Sheets requests ({writes} writes)\n")
    return code, writes


def tour(folder: Path) -> int:
    os.environ["DLB_CACHE_DIR"] = str(folder / "cache")   # the token and quiet-cycle files stay in here
    key = make_service_account_key(folder)
    (folder / "other").mkdir()
    stranger = make_service_account_key(folder / "other", key_number=1,
                                        client_email="stranger@other-project.iam.gserviceaccount.com")
    for k in (key, stranger):
        k.path.chmod(0o600)
    steps = [
        ("1. The first cycle creates the bot tabs and writes them.", key.path, None, 0),
        ("2. A second cycle over the unchanged sheet writes nothing.", key.path, None, 0),
        ("3. A key Google does not accept (deleted, or from another project): exit 3, one sentence.",
         stranger.path, None, 3),
        ("4. The sheet is not shared with the service account: exit 3, one sentence.", key.path, "denied", 3),
        ("5. Someone renamed the Comp Sheet tab: exit 2, one sentence.", key.path, "rename", 2),
    ]
    failures = 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeSheets(rsps, trusted_keys=[key])
        for title, rows in build_sample(local_now().date()).items():
            fake.add_tab(title, rows)
        print("A fake Google Sheet holds the demo's Defective Log and Comp Sheet; the bot reaches it through\n"
              "gspread and google-auth exactly as it reaches Google, but nothing leaves this process.\n")
        for n, (what, key_path, change, expected) in enumerate(steps, 1):
            fake.access = "denied" if change == "denied" else "ok"
            if change == "rename":
                fake.tab("Comp Sheet").title = "Comp sheet (old)"
            print(what)
            code, writes = run(fake, key_path, "run", "--once")
            failures += code != expected or (n == 2 and writes != 0)
    if failures:
        print(f"{failures} step(s) did not end as described above.")
        return 1
    print("Every step ended as described; tests/test_google_backend.py checks much more of this path.")
    return 0


def tour_in_a_temporary_folder() -> int:
    with tempfile.TemporaryDirectory(prefix="dlb-google-tour-") as folder:
        return tour(Path(folder))


if __name__ == "__main__":
    sys.exit(tour_in_a_temporary_folder())

"""Profile or time the core (`bot.cycle.compute.compute`) in-process on a cycle the bench recorded.

    python -m bench.run --sizes 100000 --no-caers --backends google,google-replay --keep-work
    python -m bench.compute_profile WORK/rec-100000-cold.pickle [--repeat 3] [--profile out.prof] [--steps]

The recording's metadata and batchGet answers are served to the real GoogleBackend (no fake in the
process) to build the cycle's Snapshot once; then `compute` runs on it `--repeat` times with the cycle
collector paused, as a cycle runs it, and the best CPU time is printed. `--steps` also times the
core's steps one by one (validation, the bot tabs read, memory, drafts, recurrence, escalations, Open
Cases, the memory rows, the plan). `--profile FILE` writes a cProfile of one run (and prints the top).
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import gzip
import json
import pickle
import pstats
import re
import shutil
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOW_FROM_DATA = None


def snapshot_of(recording_path: str, settings):
    import tests.fakes as fs
    import responses
    from bot.backends.google import GoogleBackend
    from bot.cycle.compute import required_tabs

    with open(recording_path, "rb") as fh:
        recording = pickle.load(fh)
    api = [r for r in recording if r[0] in ("metadata", "batchGet")][:2]
    rsps = responses.RequestsMock(assert_all_requests_are_fired=False)

    def answer(request):
        _, status, headers, body = api.pop(0)
        return status, {**headers, "Content-Encoding": "gzip"}, gzip.compress(body, 6)

    def token(request):
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"access_token": "ya29.replay", "expires_in": 3599, "token_type": "Bearer"})

    rsps.add_callback(responses.POST, fs.TOKEN_URI, callback=token)
    for method in (responses.GET, responses.POST):
        rsps.add_callback(method, re.compile(re.escape(fs.SHEETS_BASE) + r"/.*"), callback=answer)
    folder = Path(tempfile.mkdtemp(prefix="dlb-prof-"))
    rsps.start()
    try:
        key = fs.make_service_account_key(folder)
        key.path.chmod(0o600)   # as an admin keeps it: no warning in the timings
        backend = GoogleBackend(fs.DEFAULT_ID, key.path, sleep=lambda s: None, token_folder=folder)
        return backend.read(required_tabs(settings))
    finally:
        rsps.stop()
        shutil.rmtree(folder, ignore_errors=True)   # the throwaway key and token


def steps(snapshot, settings, now, renderer) -> dict[str, float]:
    """CPU of each step of compute, in its order (a copy of compute's body, timed)."""
    from bot.cycle import compute as core
    from bot.tabs.drafts import product_spellings
    from bot.tabs.open_cases import NotifyEscalation, open_cases_rows
    from bot.tabs.layout import draft_key, drafts_layout, escalations_layout, flag_key
    from bot.tabs.capa import Capa
    from bot.tabs.feedback import with_feedback
    from bot.tabs.bot_memory import memory_rows, parse_memory, read_memory
    from bot.cycle.plan import TabTarget, plan_tabs
    from bot.tabs.escalations import episodes
    from bot.read.table import read_bot_table
    from sheet_schema import BOT_TABS, load

    out: dict[str, float] = {}
    t = [time.process_time()]

    def lap(name):
        now_ = time.process_time()
        out[name] = now_ - t[0]
        t[0] = now_

    v = core.validated(snapshot, settings)
    lap("validate")
    tables = {name: read_bot_table(settings.title(name), snapshot.tabs.get(settings.title(name)),
                                   load(name), settings.headers[name]) for name in BOT_TABS}
    lap("read bot tabs")
    when = core.stamp(now)
    parsed_memory = parse_memory(tables["bot_memory"].rows)
    memory = read_memory(tables["bot_memory"].rows, parsed_memory)
    lap("read memory")
    spellings = product_spellings(v.log["product"].tolist(), settings.recurrence.key)
    drafts, ready = drafts_layout(tables["drafts"], memory.get("drafts"), v, renderer, spellings, when,
                                  now.date(), settings.follow_up, settings.escalation)
    lap("drafts")
    found = episodes(v.log, settings.recurrence)
    lap("episodes")
    esc = settings.escalation
    escalate = NotifyEscalation(frozenset(esc.serious), esc.owner(3), settings.recurrence.min_cases)
    capa = Capa(v.log, settings.recurrence, esc, settings.capa, now.date())
    flags, _ = escalations_layout(tables["escalations"], memory.get("escalations"), found,
                                  settings.recurrence, when, escalate, capa)
    lap("escalations")
    open_rows = with_feedback(open_cases_rows(v.log, esc, now.date()), v.log, esc, now.date())
    lap("open cases")
    memory_tab = memory_rows(tables["bot_memory"].rows, {"escalations": flags.records, "drafts": drafts.records},
                             {"escalations": flag_key, "drafts": draft_key}, parsed_memory)
    lap("memory rows")
    issues = v.issues + flags.issues + drafts.issues
    issue_rows = [{"tab": i.tab, "row": i.row, "ticket_id": i.ticket_id, "column": i.column,
                   "field": i.field, "problem": i.problem, "severity": i.severity} for i in issues]
    status_rows = core.desired_status(tables["bot_status"].rows, {}, now, settings.status_every_minutes)
    desired = {"log_issues": issue_rows, "drafts": drafts.rows, "escalations": flags.rows,
               "bot_status": status_rows, "open_cases": open_rows, "bot_memory": memory_tab}
    targets = [TabTarget(tables[name], load(name), desired[name], clear_rest=load(name).rewritten_whole)
               for name in BOT_TABS]
    plan_tabs(targets)
    lap("plan")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.compute_profile", description=__doc__.split("\n\n")[0])
    p.add_argument("recording")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--profile", help="write a cProfile of one run here")
    p.add_argument("--steps", action="store_true", help="time each step of compute")
    args = p.parse_args(argv)

    from bench import data as bench_data
    from bot.config import load_settings
    from bot.cycle.compute import compute
    from bot.tabs.drafts import Renderer

    settings = load_settings(environ={})
    now = bench_data.NOW
    snapshot = snapshot_of(args.recording, settings)
    best = float("inf")
    for _ in range(args.repeat):
        renderer = Renderer(settings.templates_dir, settings.signoff)
        gc.collect()
        gc.disable()
        c0 = time.process_time()
        compute(snapshot, settings, now, renderer)
        best = min(best, time.process_time() - c0)
        gc.enable()
    print(f"compute: best CPU {best:.3f} s of {args.repeat}")
    if args.steps:
        gc.collect()
        gc.disable()
        parts = steps(snapshot, settings, now, Renderer(settings.templates_dir, settings.signoff))
        gc.enable()
        print("steps (CPU s): " + ", ".join(f"{k} {v:.3f}" for k, v in parts.items())
              + f" (total {sum(parts.values()):.3f})")
    if args.profile:
        renderer = Renderer(settings.templates_dir, settings.signoff)
        gc.collect()
        gc.disable()
        prof = cProfile.Profile()
        prof.enable()
        compute(snapshot, settings, now, renderer)
        prof.disable()
        gc.enable()
        prof.dump_stats(args.profile)
        pstats.Stats(prof).strip_dirs().sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

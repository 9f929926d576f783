"""One benchmark scenario, run in a fresh child process: `python -m bench.scenario SPEC.json`.

SPEC (written by bench/run.py):
  data       pickle of a bench.data.Dataset
  backend    "google" | "workbook"
  cycle      "cold" (rep tabs filled, bot tabs present but empty) | "quiet" (the state a cold cycle left)
             | "warm-N" (the state a cold cycle left, then N Defective Log rows edited: warm_edits)
             | "quiet-full" (the same, without the quiet-cycle fingerprint: every rule checked again)
  cache_dir  the quiet-cycle fingerprint's folder, as `run --once` uses it (absent for quiet-full)
  state      google: pickle of the fake's tabs and the tokens it issued (written by cold, read by
             quiet); workbook: the .xlsx
  key        google: the service-account key file every child uses (made by the first), so that, as
             with `run --once` from cron, a cycle within the hour reuses the token an earlier one kept
             in cache_dir (bot/backends/google_auth.py)
  seed       workbook: where the cold scenario keeps the untouched input workbook
  mode       "measure" | "profile" (cProfile around the cycle; writes `profile` instead of timings)
  marker     a file this process writes when the timed cycle starts (the parent's timeout clock)
  out        where the result JSON goes

Only `run_cycle(...)` is timed: loading the data, seeding the fake or building the workbook, and the
floor measurements all happen outside it. CPU is time.process_time() (this process, all threads), wall
is time.perf_counter(). Memory: the kernel's peak-RSS mark (VmHWM) is reset through
/proc/self/clear_refs just before the cycle and read right after it, so `peak_rss_mb` is the largest
resident size of this process *during the cycle* (interpreter, libraries, input data and, on the Google
path, the fake's own copy of the sheet included); `cycle_extra_mb` is that peak minus the resident size
just before the cycle.
"""
from __future__ import annotations

import cProfile
import gc
import gzip
import io
import json
import marshal
import os
import pickle
import pstats
import shutil
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BEST_OF = 3


# ---- memory ---------------------------------------------------------------------------------------

def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_rss() -> str:
    """Reset the kernel's peak-RSS mark; returns how peak memory will be measured."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return "VmHWM after reset via /proc/self/clear_refs (peak RSS during the cycle)"
    except OSError:
        return "ru_maxrss of the child (peak RSS of the whole child, setup included)"


def peak_rss_mb() -> float:
    kb = _status_kb("VmHWM")
    if kb is None:
        import resource
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024


def rss_mb() -> float:
    kb = _status_kb("VmRSS")
    return (kb or 0) / 1024


# ---- timing ---------------------------------------------------------------------------------------

def best_of(fn, n: int = BEST_OF) -> float:
    best = float("inf")
    for _ in range(n):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def json_floor_without_collector(body: bytes) -> float:
    """CPU of json.loads(body) with the cycle collector off, as run_cycle runs (bot.cycle.run.collector_paused):
    the fairer floor for a cycle that pauses the collector, reported next to the plain one."""
    gc.disable()
    try:
        return best_of_cpu(lambda: json.loads(body))[1]
    finally:
        gc.enable()


# A case's fields as the email templates take them; rendering costs about the same whatever they hold.
SAMPLE_FIELDS = {"ticket_id": "CS-10001", "first_name": "Dana", "customer_name": "Dana Reyes",
                 "customer_email": "dana@example.com", "order_number": "100234",
                 "product": "Trail Mix Original 12oz", "defect_type": "Foreign Object", "units_affected": 1,
                 "agent": "Priya", "refund_amount": "$12.99", "refund_processed_on": "2026-11-03",
                 "replacement_order_number": "R-55120", "tracking_number": "1Z999AA10123456784"}


def least_work_inputs(report) -> tuple[list[str], str]:
    """What least_work needs from a cycle's report: the template file of each email it rendered, and the
    cells it wrote as JSON text (few objects: the floors are measured with the report freed)."""
    from bot.tabs.drafts import TEMPLATES

    files = {title: file_name for title, file_name in TEMPLATES.values()}
    outcome = report.outcome
    rendered = [files[d.template] for d in outcome.drafts_ready if d.rendered]
    return rendered, json.dumps([[list(row) for row in w.values] for w in outcome.plan.writes])


def least_work(body: bytes, rendered: list[str], written_json: str) -> dict:
    """For context beside the cold target: the least any cycle over this answer must spend, with the
    collector off as a cycle runs it. Parse the JSON; turn each tab's rows into columns (the rules are
    column-wise; zip_longest into lists, which with the type look after it is cheaper than the cycle's
    own numpy grid); look at each cell's type once; render as many emails as the cycle rendered; serialise
    the cells it wrote. Every rule (validation, recurrence, escalation, the diff) comes on top."""
    from itertools import zip_longest

    from bot.tabs.drafts import Renderer

    written = json.loads(written_json)
    answer = json.loads(body)
    tabs = [vr.get("values") or [] for vr in answer.get("valueRanges", [])]
    columns = [list(zip_longest(*rows)) for rows in tabs]
    renderer = Renderer()
    if rendered:
        renderer.render(rendered[0], SAMPLE_FIELDS)   # the template loaded, as a cycle's Renderer has it
    parts = {
        "parse_s": lambda: json.loads(body),
        "columns_s": lambda: [list(zip_longest(*rows)) for rows in tabs],
        "types_s": lambda: [set(map(type, col)) for cols in columns for col in cols],
        "render_s": lambda: [renderer.render(f, SAMPLE_FIELDS) for f in rendered],
        "write_s": lambda: json.dumps(written, ensure_ascii=False),
    }
    out = _timed_parts(parts)
    return {**out, "total_s": sum(out.values()), "renders": len(rendered),
            "cells_written": sum(len(row) for w in written for row in w)}


def _timed_parts(parts: dict) -> dict:
    """The best CPU time of each part, with the collector off as a cycle runs."""
    gc.disable()
    try:
        return {name: best_of_cpu(fn)[1] for name, fn in parts.items()}
    finally:
        gc.enable()


def least_warm_work(body: bytes, previous_body: bytes, written_json: str) -> dict:
    """For context beside the warm target: the least a cycle after a few edits must spend if it reused
    everything the last cycle worked out, with the collector off as a cycle runs it. Parse the JSON (a
    cycle cannot know what changed without reading it); load the rep tabs' rows the last cycle kept
    (marshal, the fastest way Python has to store and load them); compare each row with its old self;
    check the same way that the bot tabs still hold what the last cycle left in them (a reused result
    is only right while nobody sorted, typed into or deleted a row of a bot tab: a lead's status, a
    rep's Sent); serialise the cells the cycle wrote; keep for the next cycle what this one read and
    left (marshal again). Reusing the per-row and per-episode results (loading them, patching the
    changed rows, rebuilding the tabs' order) comes on top (docs/INCREMENTAL.md)."""
    from operator import ne

    written = json.loads(written_json)
    now_all = [vr.get("values") or [] for vr in json.loads(body).get("valueRanges", [])]
    now_tabs, now_bot = now_all[:2], now_all[2:]
    before = [vr.get("values") or [] for vr in json.loads(previous_body).get("valueRanges", [])][:2]
    blob = marshal.dumps(before)
    # What the last cycle left in its tabs is what this read found there: the bench's edits are a rep's.
    left_blob = marshal.dumps(now_bot)
    left = marshal.loads(left_blob)
    parts = {
        "parse_s": lambda: json.loads(body),
        "load_previous_s": lambda: marshal.loads(blob),
        "compare_s": lambda: [list(map(ne, a, b)) for a, b in zip(now_tabs, before)],
        "load_left_s": lambda: marshal.loads(left_blob),
        "check_left_s": lambda: [list(map(ne, a, b)) for a, b in zip(now_bot, left)],
        "write_s": lambda: json.dumps(written, ensure_ascii=False),
        "save_s": lambda: (marshal.dumps(now_tabs), marshal.dumps(now_bot)),
    }
    out = _timed_parts(parts)
    changed = sum(sum(map(ne, a, b)) for a, b in zip(now_tabs, before))
    return {**out, "total_s": sum(out.values()), "rows_changed": changed,
            "cells_written": sum(len(row) for w in written for row in w), "previous_bytes": len(blob),
            "left_bytes": len(left_blob), "bot_rows": sum(map(len, now_bot))}


def orjson_parse(body: bytes) -> float | None:
    """CPU of orjson.loads of the answer with the collector off, when orjson is installed (measured for
    the README's dependency choice; the bot does not use it)."""
    try:
        import orjson
    except ImportError:
        return None
    gc.disable()
    try:
        return best_of_cpu(lambda: orjson.loads(body))[1]
    finally:
        gc.enable()


def best_of_cpu(fn, n: int = BEST_OF) -> tuple[float, float]:
    """(best wall, best CPU) of n runs of fn."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(n):
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        c1, w1 = time.process_time(), time.perf_counter()
        wall, cpu = min(wall, w1 - w0), min(cpu, c1 - c0)
    return wall, cpu


def timed_cycle(spec: dict, backend, settings, now) -> dict:
    """Run one cycle (profiled or measured) and return the timings and what the cycle did."""
    from bot.cycle.run import run_cycle

    cache = None
    if spec.get("cache_dir"):
        # As `run --once` and `watch` run it: with the quiet-cycle fingerprint (bot/cycle/quiet.py), which the
        # cold cycle writes and the quiet cycle checks.
        from bot.cycle.quiet import QuietCache
        target = spec.get("cache_target") or f"{spec['dataset']}-{spec['backend']}"
        cache = QuietCache(target, folder=Path(spec["cache_dir"]))
    gc.collect()
    Path(spec["marker"]).write_text(str(time.time()))
    if spec["mode"] == "profile":
        prof = cProfile.Profile()
        prof.enable()
        report = run_cycle(backend, settings, lambda: now, cache=cache)
        prof.disable()
        Path(spec["marker"]).write_text("done")
        if os.environ.get("DLB_PROFILE_DIR"):     # the whole profile, for pstats (callers, more lines)
            prof.dump_stats(str(Path(os.environ["DLB_PROFILE_DIR"]) / f"{Path(spec['marker']).stem}.prof"))
        out = io.StringIO()
        out.write(f"=== {spec['title']} — top 25 by cumulative time ===\n")
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats("cumulative").print_stats(25)
        out.write(f"=== {spec['title']} — top 25 by own (tottime) time ===\n")
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime").print_stats(25)
        top = []
        stats = pstats.Stats(prof)
        for (filename, line, func), (cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            where = Path(filename)
            shown = f"fakes/{where.name}" if where.parent.name == "fakes" else where.name   # the tests' fake
            top.append({"function": f"{shown}:{line}({func})", "cumulative_s": ct, "tottime_s": tt,
                        "calls": nc})
        by_cum = sorted(top, key=lambda r: -r["cumulative_s"])[:40]
        by_tot = sorted(top, key=lambda r: -r["tottime_s"])[:25]
        return {"report": report, "profile_text": out.getvalue(), "profile_top_cumulative": by_cum,
                "profile_top_tottime": by_tot}
    how = reset_peak_rss()
    base = rss_mb()
    w0, c0 = time.perf_counter(), time.process_time()
    report = run_cycle(backend, settings, lambda: now, cache=cache)
    c1, w1 = time.process_time(), time.perf_counter()
    # The cycle leaves what it returns out of the collector's sight (gc.freeze: run.collector_paused); the
    # floors and the least work measured after it run with the collector on, which would then skip the
    # whole heap frozen with it (the process's modules too) and read cheaper than in the heap as it was.
    gc.unfreeze()
    peak = peak_rss_mb()
    Path(spec["marker"]).write_text("done")
    result = {"report": report, "wall_s": w1 - w0, "cpu_s": c1 - c0, "peak_rss_mb": peak,
              "baseline_rss_mb": base, "cycle_extra_mb": max(0.0, peak - base), "memory_measure": how,
              "skipped": bool(getattr(report, "skipped", False))}
    return result


def plan_cells(report) -> int:
    return 0 if report.outcome is None else report.outcome.plan.cell_count


def outcome_summary(report) -> dict:
    o = report.outcome
    if o is None:  # the quiet-cycle fingerprint matched: the cycle stopped after the read
        return {"skipped": True, **report.summary, "plan_cells": 0, "attempts": report.attempts,
                "applied_requests": 0}
    return {"errors": o.validation.errors, "warnings": o.validation.warnings,
            "issues": len(o.validation.issues), "drafts_ready": len(o.drafts_ready), "flags": o.flags_total,
            "plan_cells": o.plan.cell_count, "plan_creates": len(o.plan.creates),
            "plan_writes": len(o.plan.writes), "attempts": report.attempts,
            "applied_requests": report.applied.requests if report.applied else 0}


def capture_reads(backend) -> list:
    """Count the cells of every snapshot the backend reads, as it is read (the cycle lets go of the rows
    before it writes)."""
    captured: list = []
    original_read = backend.read

    def read(titles, **kw):
        snap = original_read(titles, **kw)
        captured.append(count_cells(snap.tabs))
        return snap

    backend.read = read  # type: ignore[method-assign]
    return captured


def drop_input(data) -> None:
    """The bench's own copy of the input rows is not part of a bot process: free it before the cycle."""
    data.log = data.comp = None
    gc.collect()
    release_freed_memory()


def release_freed_memory() -> None:
    """Hand memory freed by the bench's own work back to the system (glibc keeps it otherwise), so the
    resident size the cycle starts from and its peak are the bot's, not the bench's leftovers."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def count_cells(tabs: dict[str, Any]) -> int:
    return sum(len(r) for rows in tabs.values() if rows for r in rows)


# ---- Google path ----------------------------------------------------------------------------------

def time_transport(rsps) -> dict:
    """Count the CPU spent in `responses`' whole mock transport (the fake's callbacks included) in the
    returned dict's "cpu"."""
    transport = {"cpu": 0.0}
    inner = rsps._on_request

    def timed_on_request(adapter, request, **kwargs):
        c0 = time.process_time()
        try:
            return inner(adapter, request, **kwargs)
        finally:
            transport["cpu"] += time.process_time() - c0

    rsps._on_request = timed_on_request  # type: ignore[method-assign]
    return transport


def run_google(spec: dict, data, settings) -> dict:
    import responses
    import tests.fakes as fs  # the tests' fake of Google (tests/fakes/), reused as is
    from bot.backends.google import GoogleBackend

    class TimedFake(fs.FakeSheets):
        """The fake, with the CPU spent in its callbacks counted and the batchGet answer kept."""

        def __init__(self, *a, **kw):
            self.fake_cpu = 0.0
            self.batch_get_bodies: list[str] = []
            self.recording: list[tuple[str, int, dict, str]] = []   # (kind, status, headers, body) in order
            super().__init__(*a, **kw)
            # The plain answers, recorded as they are: the replay serves them gzip-compressed itself.
            self.gzip_answers = False

        def _api(self, request):
            c0 = time.process_time()
            try:
                answer = super()._api(request)
            finally:
                self.fake_cpu += time.process_time() - c0
            if isinstance(answer, tuple):
                self.recording.append((request_kind(request), *answer))
                if request.url.split("?")[0].endswith("/values:batchGet"):
                    self.batch_get_bodies.append(answer[2])
            return answer

        def _token(self, request):
            c0 = time.process_time()
            try:
                answer = super()._token(request)
            finally:
                self.fake_cpu += time.process_time() - c0
            self.recording.append(("token", *answer))
            return answer

    rsps = responses.RequestsMock(assert_all_requests_are_fired=False)
    transport = time_transport(rsps)
    rsps.start()
    try:
        key = bench_key(spec)
        fake = TimedFake(rsps, trusted_keys=[key])
        t0 = time.perf_counter()
        if spec["cycle"] == "cold":
            fake.add_tab(settings.title("defective_log"), data.log, row_count=max(1000, len(data.log) + 100))
            fake.add_tab(settings.title("comp_sheet"), data.comp, row_count=max(1000, len(data.comp) + 100))
            for name in ("escalations", "drafts", "log_issues", "bot_status", "open_cases"):
                fake.add_tab(settings.title(name))
        else:
            with open(spec["state"], "rb") as fh:
                state = pickle.load(fh)
            fake.tabs, fake.tokens, fake.token_scopes = state["tabs"], state["tokens"], state["token_scopes"]
            fake._next_sheet_id = max(t.sheet_id for t in fake.tabs) + 1
            if spec["cycle"].startswith("warm-"):
                warm_edits(fake.tab(settings.title("defective_log")), int(spec["cycle"].split("-")[1]))
        setup_s = time.perf_counter() - t0
        drop_input(data)
        backend = GoogleBackend(fake.spreadsheet_id, key.path, sleep=lambda s: None, token_folder=token_folder(spec))
        fake.clear_log()
        captured = capture_reads(backend)
        result = timed_cycle(spec, backend, settings, data.now)
        report = result.pop("report")
        kinds: dict[str, int] = {}
        for e in fake.api_log:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
        writes = kinds.get("values:batchUpdate", 0) + kinds.get("batchUpdate", 0)
        # The cycle's read is the first batchGet; a writing cycle's guard read (a few cells) follows it.
        body = fake.batch_get_bodies[0]
        answer = json.loads(body)
        cells_read = sum(len(r) for vr in answer.get("valueRanges", []) for r in vr.get("values", []))
        del answer
        result.update({
            "setup_s": setup_s,
            "requests": kinds, "requests_total": sum(kinds.values()), "write_requests": writes,
            "backend_request_count": backend.request_count,
            "token_requests": len(fake.token_log),
            "cells_read": cells_read, "cells_written": plan_cells(report),
            "response_bytes": len(body.encode()),
            "outcome": outcome_summary(report),
        })
        # The floor runs in a heap like the one the cycle started with: the cycle's results, the
        # snapshot and the fake's request log are dropped first (a full heap slows json.loads' GC).
        del report
        captured.clear()
        fake.clear_log()
        fake.batch_get_bodies.clear()
        if spec.get("record"):
            with open(spec["record"], "wb") as fh:
                pickle.dump([(k, st, h, b.encode() if isinstance(b, str) else b) for k, st, h, b in fake.recording],
                            fh, protocol=pickle.HIGHEST_PROTOCOL)
        fake.recording.clear()
        if spec["cycle"] == "quiet-steady" and spec["mode"] == "measure":
            # What `watch` pays per poll while the sheet stays unchanged: Drive's modifiedTime only.
            fake.clear_log()
            c0 = time.process_time()
            stamp = backend.change_token()
            result["watch_poll"] = {"cpu_s": time.process_time() - c0, "requests": len(fake.drive_log),
                                    "sheets_requests": len(fake.api_log), "stamp": stamp}
            fake.clear_log()
        if spec["mode"] == "measure":
            wall, cpu = best_of_cpu(lambda: json.loads(body))
            result.update({"fake_cpu_s": fake.fake_cpu, "transport_cpu_s": transport["cpu"],
                           "floor_s": cpu, "floor_wall_s": wall, "floor_nogc_s": json_floor_without_collector(body),
                           "floor_what": "json.loads of this cycle's batchGet response body (best of 3, CPU)"})
            if spec["cycle"] == "cold" and spec.get("state"):
                with open(spec["state"], "wb") as fh:
                    pickle.dump({"tabs": fake.tabs, "tokens": fake.tokens, "token_scopes": fake.token_scopes},
                                fh, protocol=pickle.HIGHEST_PROTOCOL)
        return result
    finally:
        rsps.stop()
        rsps.reset()


# Defective Log columns (0-based, as sheet_schema/defective_log.toml lays them out) a warm edit changes.
_DEFECT_COL, _DETAILS_COL, _UNITS_COL, _STATUS_COL = 8, 9, 11, 16
_DEFECTS = ("Unsealed Packaging", "Rancid / Off Taste", "Foreign Object", "Clumping", "Other Quality Issue")


def warm_edits(tab, count: int) -> list[int]:
    """What a rep does between two cycles, on `count` Defective Log rows spread over the whole log: in
    turn, close an open case (or reopen a closed one), add a line to the complaint details, change the
    units affected, change the defect type (which moves the case to another recurrence group). Each edit
    changes one cell, as typing does; returns the 0-based rows edited."""
    used_rows, _ = tab.used()
    data_rows = used_rows - 1
    step = max(1, data_rows // count)
    edited = []
    for k in range(count):
        row = 1 + (k * step + step // 2) % data_rows
        kind = k % 4
        if kind == 0:
            now = tab.cells.get((row, _STATUS_COL))
            tab.set(row, _STATUS_COL, "Closed" if now == "Open" else "Open")
        elif kind == 1:
            tab.set(row, _DETAILS_COL, f"{tab.cells.get((row, _DETAILS_COL), '')} The customer called again.".strip())
        elif kind == 2:
            now = tab.cells.get((row, _UNITS_COL))
            tab.set(row, _UNITS_COL, (now + 1) if isinstance(now, (int, float)) and not isinstance(now, bool) else 2)
        else:
            now = tab.cells.get((row, _DEFECT_COL))
            nxt = _DEFECTS[(_DEFECTS.index(now) + 1) % len(_DEFECTS)] if now in _DEFECTS else _DEFECTS[0]
            tab.set(row, _DEFECT_COL, nxt)
        edited.append(row)
    return edited


def bench_key(spec: dict):
    """The run's service-account key (tests.fakes.ServiceAccountKey), made by the first child."""
    import tests.fakes as fs
    from cryptography.hazmat.primitives import serialization
    path = Path(spec["key"])
    if not path.exists():
        key = fs.make_service_account_key(path.parent, filename=path.name)
        path.chmod(0o600)   # as a key file should be: the bot warns about one others can read
        return key
    info = json.loads(path.read_text())
    private = serialization.load_pem_private_key(info["private_key"].encode(), password=None)
    return fs.ServiceAccountKey(path, info["client_email"], info, private)


def token_folder(spec: dict) -> Path | None:
    """Where the bot keeps its access token: its cache folder, as `run --once` and `watch` run."""
    return Path(spec["cache_dir"]) if spec.get("cache_dir") else None


def request_kind(request) -> str:
    """The Sheets API call a request makes (as tests.fakes.Logged.kind names them)."""
    path = request.url.split("?")[0]
    for suffix, kind in (("/values:batchGet", "batchGet"), ("/values:batchUpdate", "values:batchUpdate"),
                         (":batchUpdate", "batchUpdate")):
        if path.endswith(suffix):
            return kind
    return "metadata" if request.method == "GET" and "/spreadsheets/" in path else "other"


def run_google_replay(spec: dict, data, settings) -> dict:
    """The same cycle as a `google` scenario, answered with the bytes the fake sent then, in order: no
    fake in the process, so its CPU, its copy of the sheet and its rendering are out of the figures
    (what a bot on the real network holds and spends, but for the socket)."""
    import re
    import responses
    import tests.fakes as fs
    from bot.backends.google import GoogleBackend

    with open(spec["replay"], "rb") as fh:
        recording = pickle.load(fh)
    token = [r for r in recording if r[0] == "token"]
    # Served gzip-compressed, as Google serves a client that accepts gzip (requests does): urllib3
    # inflates it in the cycle, as it would off the network, and the process holds no second full copy.
    api = [(kind, status, {**headers, "Content-Encoding": "gzip"}, gzip.compress(body, 6))
           for kind, status, headers, body in recording if kind != "token"]
    body = next(b for k, _, _, b in recording if k == "batchGet")
    del recording
    served: dict[str, int] = {}
    tokens_served: list[int] = []

    def answer_api(request):
        kind = request_kind(request)
        if not api or api[0][0] != kind:
            return 400, {}, json.dumps({"error": {"code": 400, "message": f"replay: unexpected {kind}"}})
        _, status, headers, body = api.pop(0)
        served[kind] = served.get(kind, 0) + 1
        return status, headers, body

    def answer_token(request):
        tokens_served.append(1)
        # The cycle recorded may have reused a saved token (no token answer recorded): any token will do.
        _, status, headers, body = token[0] if token else (
            "token", 200, {"Content-Type": "application/json"},
            json.dumps({"access_token": "ya29.replay", "expires_in": 3599, "token_type": "Bearer"}))
        return status, headers, body

    rsps = responses.RequestsMock(assert_all_requests_are_fired=False)
    rsps.add_callback(responses.POST, fs.TOKEN_URI, callback=answer_token)
    for method in (responses.GET, responses.POST):
        rsps.add_callback(method, re.compile(re.escape(fs.SHEETS_BASE) + r"/.*"), callback=answer_api)
    transport = time_transport(rsps)
    body_size = len(body)
    compressed = next(len(b) for k, _, _, b in api if k == "batchGet")
    del body   # the floor below decompresses its own copy, after the cycle
    rsps.start()
    try:
        key = bench_key(spec)
        drop_input(data)
        backend = GoogleBackend(fs.DEFAULT_ID, key.path, sleep=lambda s: None, token_folder=token_folder(spec))
        result = timed_cycle(spec, backend, settings, data.now)
        report = result.pop("report")
        with open(spec["replay"], "rb") as fh:
            body = next(b for k, _, _, b in pickle.load(fh) if k == "batchGet")
        answer = json.loads(body)
        cells_read = sum(len(r) for vr in answer.get("valueRanges", []) for r in vr.get("values", []))
        del answer
        writes = served.get("values:batchUpdate", 0) + served.get("batchUpdate", 0)
        result.update({"requests": served, "requests_total": sum(served.values()), "write_requests": writes,
                       "backend_request_count": backend.request_count, "unserved": len(api),
                       "token_requests": len(tokens_served),
                       "cells_read": cells_read, "cells_written": plan_cells(report),
                       "response_bytes": body_size, "response_gzip_bytes": compressed,
                       "outcome": outcome_summary(report),
                       "transport_cpu_s": transport["cpu"], "fake_cpu_s": 0.0})
        lw_inputs = (least_work_inputs(report) if spec["mode"] == "measure" and report.outcome is not None
                     and (spec["cycle"] == "cold" or spec.get("previous")) else None)
        del report
        if not served.get("batchGet") or api:
            raise RuntimeError(f"the replayed cycle asked for other requests than the recorded one ({served}, "
                               f"{len(api)} left)")
        wall, cpu = best_of_cpu(lambda: json.loads(body))
        result.update({"floor_s": cpu, "floor_wall_s": wall, "floor_nogc_s": json_floor_without_collector(body),
                       "floor_what": "json.loads of the replayed batchGet response body (best of 3, CPU)"})
        if lw_inputs is not None and spec["cycle"] == "cold":
            result["least_work"] = least_work(body, *lw_inputs)
            result["orjson_parse_s"] = orjson_parse(body)
        elif lw_inputs is not None:
            with open(spec["previous"], "rb") as fh:
                previous = next(b for k, _, _, b in pickle.load(fh) if k == "batchGet")
            result["least_warm_work"] = least_warm_work(body, previous, lw_inputs[1])
        return result
    finally:
        rsps.stop()
        rsps.reset()


# ---- workbook path --------------------------------------------------------------------------------

def build_workbook(path: Path, tabs: dict[str, list[list]]) -> None:
    """The input workbook (rep tabs + empty bot tabs), written with openpyxl's fast write-only mode."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    for title, rows in tabs.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append([None if v == "" else v for v in row])
    wb.save(path)


def xlsx_floor(path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        for ws in wb.worksheets:
            for _row in ws.iter_rows(values_only=True):
                pass
    finally:
        wb.close()


def xlsx_calamine_floor(path: Path) -> None:
    """What reading every tab's cells costs the reader the bot uses (python-calamine, bot/backends/xlsx_values)."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


def run_workbook(spec: dict, data, settings) -> dict:
    from bot.backends.workbook import WorkbookBackend

    path = Path(spec["state"])
    t0 = time.perf_counter()
    if spec["cycle"] == "cold":
        seed = Path(spec["seed"])
        tabs = {settings.title("defective_log"): data.log, settings.title("comp_sheet"): data.comp}
        tabs.update({settings.title(n): [] for n in ("escalations", "drafts", "log_issues", "bot_status", "open_cases")})
        build_workbook(seed, tabs)
        del tabs
        shutil.copyfile(seed, path)
        floor_path = seed
    else:
        floor_path = path
    setup_s = time.perf_counter() - t0
    drop_input(data)
    size_before = path.stat().st_size
    backend = WorkbookBackend(path)
    captured = capture_reads(backend)
    result = timed_cycle(spec, backend, settings, data.now)
    report = result.pop("report")
    saves = report.applied.requests if report.applied else 0
    result.update({
        "setup_s": setup_s,
        "requests": {"file read": len(captured), "file save": saves},
        "requests_total": len(captured) + saves, "write_requests": saves,
        "cells_read": captured[-1], "cells_written": plan_cells(report),
        "file_bytes_before": size_before, "file_bytes_after": path.stat().st_size,
        "outcome": outcome_summary(report),
    })
    del report
    captured.clear()
    if spec["mode"] == "measure":
        wall, cpu = best_of_cpu(lambda: xlsx_floor(floor_path))
        _, calamine_cpu = best_of_cpu(lambda: xlsx_calamine_floor(floor_path))
        result.update({"floor_s": cpu, "floor_wall_s": wall, "floor_calamine_s": calamine_cpu,
                       "floor_what": "openpyxl.load_workbook(read_only=True) + iter_rows(values_only=True) "
                                     "over every tab of the workbook the cycle read (best of 3, CPU)"})
    return result


# ---- entry point ----------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    # Import everything the cycle needs before timing (a cron run pays this once at start-up too,
    # but it is not the cycle's work).
    import bot.cycle.run  # noqa: F401
    import bot.backends.google  # noqa: F401
    import bot.backends.workbook  # noqa: F401
    from bot.config import load_settings

    gc.collect()
    imports_mb = rss_mb()
    with open(spec["data"], "rb") as fh:
        data = pickle.load(fh)
    name, rows_log, rows_comp = data.name, data.rows, len(data.comp) - 1
    settings = load_settings(environ={})
    runner = {"google": run_google, "google-replay": run_google_replay}.get(spec["backend"], run_workbook)
    result = runner(spec, data, settings)
    result.update({"dataset": spec["dataset"], "dataset_name": name, "rows_log": rows_log, "rows_comp": rows_comp,
                   "rss_after_imports_mb": imports_mb,
                   "backend": spec["backend"], "cycle": spec["cycle"], "mode": spec["mode"], "status": "ok"})
    if "cpu_s" in result and result.get("floor_s"):
        result["ratio"] = result["cpu_s"] / result["floor_s"]
        if "transport_cpu_s" in result:
            result["ratio_without_fake"] = (result["cpu_s"] - result["transport_cpu_s"]) / result["floor_s"]
    Path(spec["out"]).write_text(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

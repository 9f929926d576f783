"""Columnar (pyarrow / polars) against Python: what the rep tabs' per-cell checks would cost in a columnar
engine, getting the cells into it and the results back included, on the Google answers the bench recorded.

Not part of the bot or of `make bench`: pyarrow, polars and orjson are not dependencies (bench/results.md,
fourteenth session, says why). To reproduce, in a virtual environment of its own:

    python -m bench.run --sizes 100000 --backends google,google-replay --cycles cold --no-profile --keep-work
    python3 -m venv /tmp/colexp && /tmp/colexp/bin/pip install -e '.[dev]' pyarrow polars orjson
    /tmp/colexp/bin/python -m bench.columnar_probe 100k=WORK/rec-100000-cold.pickle caers=WORK/rec-caers-cold.pickle

It times the bot's own parse_column and _grid side by side in the same process. Every number: best of
REPEAT, the collector off, time.process_time() (CPU of all threads) with wall time (perf_counter) beside it.
"""
from __future__ import annotations

import gc
import io
import json
import pickle
import re
import sys
import time
from itertools import zip_longest

import numpy as np
import orjson
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

import sheet_schema
from bot.read import cells
from bot.read.table import _grid
from bot.tabs.log_issues import parse_column

REPEAT = 5
PLACEHOLDERS = sorted(cells.PLACEHOLDERS)
PH_SET = frozenset(PLACEHOLDERS)
PH_ARROW = pa.array(PLACEHOLDERS)
EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
EMAIL_PY = re.compile(EMAIL_RE)
# Python's str.isprintable is False for categories Cc Cf Cs Co Cn Zl Zp and Zs other than the space.
PL_NOT_PRINTABLE = r"[\p{C}\p{Zl}\p{Zp}]|[\p{Zs}&&[^ ]]"
TEXTY = ("text", "id", "email")
LOWCARD = ("choice", "date")


def timed(fn, repeat=REPEAT):
    """(best CPU s, best wall s, last result)."""
    best_cpu = best_wall = float("inf")
    out = None
    for _ in range(repeat):
        out = None
        gc.collect()
        gc.disable()
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        c1, w1 = time.process_time(), time.perf_counter()
        gc.enable()
        best_cpu, best_wall = min(best_cpu, c1 - c0), min(best_wall, w1 - w0)
    return best_cpu, best_wall, out


ROWS: list[tuple] = []


def row(ds, step, cpu, wall, note=""):
    ROWS.append((ds, step, cpu, wall, note))
    print(f"  {step:<62} cpu {cpu:7.3f}  wall {wall:7.3f}  {note}", flush=True)


def as_text(v):
    if v is None:
        return None
    if v.__class__ is str:
        return v
    return str(v)


def stringify(col):
    """Python pass: every cell as text (None stays None): what feeding a mixed column to Arrow costs."""
    return [v if v.__class__ is str or v is None else str(v) for v in col]


def to_arrow_native(col):
    """Arrow array of the column as typed if Arrow takes it, else its cells as text."""
    try:
        return pa.array(col)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(stringify(col), type=pa.string())


def arrow_checks(arr, kind):
    """The per-cell checks of a text column, as Arrow kernels. Returns the arrays produced."""
    trimmed = pc.utf8_trim_whitespace(arr)
    lengths = pc.utf8_length(trimmed)
    placeholder = pc.is_in(pc.utf8_lower(trimmed), value_set=PH_ARROW)
    blank = pc.or_kleene(pc.equal(lengths, 0), placeholder)
    printable = pc.utf8_is_printable(arr)
    email = pc.match_substring_regex(trimmed, EMAIL_RE) if kind == "email" else None
    return trimmed, lengths, placeholder, blank, printable, email


def arrow_checks_tuned(arr, kind):
    """As arrow_checks, with the bot's shortcuts: one scan of the UTF-8 bytes says whether any cell holds
    a space/control/non-ASCII byte (else trim is a no-op and every cell printable); the placeholder
    look-up only over the cells of at most 4 characters."""
    data = arr.buffers()[2]
    b = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    odd = bool(((b <= 32) | (b >= 127)).any())
    if odd:
        trimmed = pc.utf8_trim_whitespace(arr)
        printable = pc.utf8_is_printable(arr)
    else:
        trimmed, printable = arr, None          # None: all printable
    lengths = pc.utf8_length(trimmed)
    short = pc.less_equal(lengths, 4)
    if pc.any(pc.is_in(pc.utf8_lower(pc.filter(trimmed, short)), value_set=PH_ARROW)).as_py():
        placeholder = pc.is_in(pc.utf8_lower(trimmed), value_set=PH_ARROW)
        blank = pc.or_kleene(pc.equal(lengths, 0), placeholder)
    else:
        placeholder, blank = None, pc.equal(lengths, 0)
    email = pc.match_substring_regex(trimmed, EMAIL_RE) if kind == "email" else None
    return trimmed, lengths, placeholder, blank, printable, email, odd


def arrow_e2e(col, kind, tuned=False):
    """One text column from the Python list to what the bot needs back: numpy masks + the trimmed texts."""
    try:
        arr = pa.array(col, type=pa.string())
        texts = col
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        texts = stringify(col)
        arr = pa.array(texts, type=pa.string())
    if tuned:
        trimmed, lengths, placeholder, blank, printable, email, odd = arrow_checks_tuned(arr, kind)
        out = texts if not odd else trimmed.to_pylist()
    else:
        trimmed, lengths, placeholder, blank, printable, email = arrow_checks(arr, kind)
        out = trimmed.to_pylist()
    masks = [m.to_numpy(zero_copy_only=False) for m in (blank, placeholder, printable, email) if m is not None]
    return out, masks


def polars_e2e(col, kind):
    s = pl.Series(col, strict=False, dtype=pl.String)
    trimmed, lengths, placeholder, blank, not_printable, email = polars_checks(s, kind)
    masks = [m.to_numpy() for m in (blank, placeholder, not_printable, email) if m is not None]
    return trimmed.to_list(), masks


def arrow_lowcard_e2e(col):
    d = pc.dictionary_encode(to_arrow_native(col))
    return d.indices.to_numpy(zero_copy_only=False), d.dictionary.to_pylist()


def polars_checks(s, kind):
    trimmed = s.str.strip_chars()
    lengths = trimmed.str.len_chars()
    placeholder = trimmed.str.to_lowercase().is_in(PLACEHOLDERS)
    blank = (lengths == 0) | placeholder
    not_printable = s.str.contains(PL_NOT_PRINTABLE)
    email = trimmed.str.contains(EMAIL_RE) if kind == "email" else None
    return trimmed, lengths, placeholder, blank, not_printable, email


def python_checks(texts, kind):
    """The naive per-cell Python equivalent, on a column of texts ("" for blank)."""
    trimmed = [s.strip() for s in texts]
    lengths = [len(s) for s in trimmed]
    placeholder = [s.lower() in PH_SET for s in trimmed]
    printable = [s.isprintable() for s in texts]
    email = [EMAIL_PY.match(s) is not None for s in trimmed] if kind == "email" else None
    return trimmed, lengths, placeholder, printable, email


def measure(ds, path):
    print(f"\n=== {ds}: {path}", flush=True)
    with open(path, "rb") as fh:
        rec = pickle.load(fh)
    body = [r for r in rec if r[0] == "batchGet"][0][3]
    print(f"  first batchGet: {len(body):,} bytes")

    # 1. Parse -------------------------------------------------------------------------------------
    c, w, data = timed(lambda: json.loads(body))
    row(ds, "1 json.loads(body)  [floor]", c, w)
    floor = c
    c, w, _ = timed(lambda: orjson.loads(body))
    row(ds, "1 orjson.loads(body)", c, w)
    t_orjson = c

    schemas = {s.tab: s for s in (sheet_schema.load("defective_log"), sheet_schema.load("comp_sheet"))}
    tabs = []
    for vr in data["valueRanges"]:
        tab = vr["range"].split("!")[0].strip("'")
        if tab in schemas:
            values = vr["values"]
            header = values[0]
            by_header = {col.header: col for col in schemas[tab].columns}
            kinds = [by_header[h] if h in by_header else None for h in header]
            tabs.append((tab, header, values[1:], kinds))
            print(f"  {tab}: {len(values) - 1} rows x {len(header)} header columns")

    # 2. Transpose ------------------------------------------------------------------------------------
    def transpose_lists():
        out = []
        for tab, header, rows, kinds in tabs:
            width = len(header)
            cols = [list(c) for c in zip_longest(*rows, fillvalue=None)]
            cols += [[None] * len(rows) for _ in range(width - len(cols))]
            out.append(cols[:width])
        return out
    c, w, cols_by_tab = timed(transpose_lists)
    row(ds, "2 transpose: zip_longest -> per-column lists", c, w)
    t_transpose = c

    def transpose_grid():
        return [_grid(rows) for _, _, rows, _ in tabs]
    c, w, grids = timed(transpose_grid)
    row(ds, "2 transpose: bot's _grid (numpy object 2-D, views)", c, w)
    t_transpose_grid = c

    # the column catalogue
    catalogue = []   # (tab, header, Column|None, python list, numpy object column)
    for (tab, header, rows, kinds), cols, grid in zip(tabs, cols_by_tab, grids):
        for j, h in enumerate(header):
            npcol = grid[:, j] if j < grid.shape[1] else np.full(len(rows), None, dtype=object)
            catalogue.append((tab, h, kinds[j], cols[j], npcol))
    pure = [e for e in catalogue if all(v is None or v.__class__ is str for v in e[3])]
    mixed = [e for e in catalogue if e not in pure]
    texty = [e for e in catalogue if e[2] is not None and e[2].type in TEXTY]
    lowcard = [e for e in catalogue if e[2] is not None and e[2].type in LOWCARD]
    print(f"  columns: {len(catalogue)}; pure str/None: {len(pure)}; mixed: {len(mixed)} "
          f"({', '.join(e[1] for e in mixed)})")
    print(f"  text/id/email columns: {len(texty)}; choice/date columns: {len(lowcard)}")

    # 3. To Arrow / polars ----------------------------------------------------------------------------
    c, w, _ = timed(lambda: [pa.array(e[3], type=pa.string()) for e in pure])
    row(ds, f"3 pa.array(col, string) of the {len(pure)} pure-str columns", c, w)
    c, w, _ = timed(lambda: [pa.array(e[4], type=pa.string()) for e in pure])
    row(ds, f"3 pa.array(numpy object view) of the {len(pure)} pure-str columns", c, w)
    c, w, _ = timed(lambda: [stringify(e[3]) for e in mixed])
    row(ds, f"3   python stringify of the {len(mixed)} mixed columns (alone)", c, w)
    c, w, arrow_all = timed(lambda: [to_arrow_native(e[3]) for e in catalogue])
    row(ds, "3 to Arrow, ALL columns (typed if possible, else stringified)", c, w)
    t_to_arrow = c
    c, w, arrow_text = timed(lambda: [pa.array(stringify(e[3]), type=pa.string()) for e in catalogue])
    row(ds, "3 to Arrow, ALL columns as text (stringify + pa.array)", c, w)
    c, w, _ = timed(lambda: [pl.Series(e[3]) for e in pure])
    row(ds, f"3 pl.Series(col) of the {len(pure)} pure-str columns", c, w)
    c, w, pl_all = timed(lambda: [pl.Series(e[3], strict=False) for e in catalogue])
    row(ds, "3 pl.Series(col, strict=False), ALL columns (Rust stringifies mixed)", c, w)
    t_to_polars = c
    print("  polars dtypes:", {e[0][:4] + ":" + e[1]: str(s.dtype) for e, s in zip(catalogue, pl_all)})
    c, w, _ = timed(lambda: [to_arrow_native(e[4]) for e in catalogue])
    row(ds, "3 to Arrow, ALL columns from bot's _grid numpy views", c, w)
    def pl_from_np(a):
        try:
            return pl.Series(a, strict=False)
        except TypeError:       # mixed object column: polars' numpy path refuses it
            return pl.Series(a.tolist(), strict=False)
    c, w, _ = timed(lambda: [pl_from_np(e[4]) for e in catalogue])
    row(ds, "3 pl.Series(numpy object view) [.tolist() if mixed], ALL columns", c, w)
    # pl stringify vs Python str(): do they agree?
    diff = sum(1 for e, s in zip(catalogue, pl_all) if s.dtype == pl.String
               for a, b in zip(stringify(e[3]), s.to_list()) if a != b)
    print(f"  cells where polars' stringified text differs from Python str(): {diff}")

    idx = {id(e): i for i, e in enumerate(catalogue)}
    text_arrow = [(arrow_text[idx[id(e)]], e[2].type) for e in texty]
    low_arrow = [arrow_all[idx[id(e)]] for e in lowcard]
    text_pl = [(pl_all[idx[id(e)]].cast(pl.String), e[2].type) for e in texty]
    low_pl = [pl_all[idx[id(e)]] for e in lowcard]

    # 4. Checks ---------------------------------------------------------------------------------------
    c, w, arrow_res = timed(lambda: [arrow_checks(a, k) for a, k in text_arrow])
    row(ds, f"4 Arrow checks, {len(texty)} text columns (trim,len,is_in,printable,email)", c, w)
    t_arrow_checks = c
    for name, f in (("trim", lambda a, k: pc.utf8_trim_whitespace(a)),
                    ("length", lambda a, k: pc.utf8_length(a)),
                    ("lower+is_in", lambda a, k: pc.is_in(pc.utf8_lower(a), value_set=PH_ARROW)),
                    ("printable", lambda a, k: pc.utf8_is_printable(a)),
                    ("email regex (email cols)",
                     lambda a, k: pc.match_substring_regex(a, EMAIL_RE) if k == "email" else None)):
        c, w, _ = timed(lambda: [f(a, k) for a, k in text_arrow])
        row(ds, f"4   Arrow {name}", c, w)
    c, w, arrow_dict = timed(lambda: [pc.dictionary_encode(a) for a in low_arrow])
    row(ds, f"4 Arrow dictionary_encode, {len(lowcard)} choice/date columns", c, w)
    t_arrow_dict = c

    c, w, pl_res = timed(lambda: [polars_checks(s, k) for s, k in text_pl])
    row(ds, f"4 polars checks, {len(texty)} text columns", c, w)
    t_pl_checks = c
    c, w, pl_cat = timed(lambda: [s.cast(pl.String).cast(pl.Categorical).to_physical() for s in low_pl])
    row(ds, f"4 polars cast Categorical, {len(lowcard)} choice/date columns", c, w)
    t_pl_cat = c

    # Python side by side, same process
    py_texts = [(["" if v is None else v for v in stringify(e[3])], e[2].type) for e in texty]
    c, w, _ = timed(lambda: [python_checks(t, k) for t, k in py_texts])
    row(ds, f"4 [py] naive per-cell Python checks, {len(texty)} text columns", c, w)
    for name, f in (("strip", lambda t, k: [s.strip() for s in t]),
                    ("len", lambda t, k: [len(s) for s in t]),
                    ("lower in set", lambda t, k: [s.lower() in PH_SET for s in t]),
                    ("isprintable", lambda t, k: [s.isprintable() for s in t]),
                    ("email regex", lambda t, k: [EMAIL_PY.match(s) is not None for s in t] if k == "email" else None)):
        c, w, _ = timed(lambda: [f(t, k) for t, k in py_texts])
        row(ds, f"4   [py] {name}", c, w)
    c, w, _ = timed(lambda: [pd.factorize(e[4]) for e in lowcard])
    row(ds, f"4 [py] pd.factorize, {len(lowcard)} choice/date columns (numpy object)", c, w)
    c, w, _ = timed(lambda: [parse_column(e[4], e[2], False) for e in texty])
    row(ds, f"4 [bot] parse_column, the {len(texty)} text/id/email columns", c, w)
    for tab in schemas:
        sel = [e for e in catalogue if e[0] == tab and e[2] is not None]
        c, w, _ = timed(lambda: [parse_column(e[4], e[2], False) for e in sel])
        row(ds, f"4 [bot] parse_column, all {len(sel)} columns of {tab}", c, w)

    # 4b. Tuned Arrow checks (the bot's own tricks, in columnar form) and end-to-end per column --------
    c, w, _ = timed(lambda: [arrow_checks_tuned(a, k) for a, k in text_arrow])
    row(ds, f"4 Arrow checks TUNED (byte scan, short-only placeholder), {len(texty)} cols", c, w)
    c, w, _ = timed(lambda: [arrow_e2e(e[3], e[2].type) for e in texty])
    row(ds, f"E2E Arrow text cols: list->Arrow->checks->numpy masks+str list ({len(texty)})", c, w)
    c, w, _ = timed(lambda: [arrow_e2e(e[3], e[2].type, tuned=True) for e in texty])
    row(ds, "E2E Arrow text cols TUNED (reuse list when trim is a no-op)", c, w)
    t_e2e_arrow_text_tuned = c
    c, w, _ = timed(lambda: [polars_e2e(e[3], e[2].type) for e in texty])
    row(ds, "E2E polars text cols: list->Series->checks->numpy masks+str list", c, w)
    c, w, _ = timed(lambda: [arrow_lowcard_e2e(e[3]) for e in lowcard])
    row(ds, f"E2E Arrow choice/date cols: list->Arrow->dict_encode->codes+uniques ({len(lowcard)})", c, w)
    t_e2e_arrow_low = c
    c, w, _ = timed(lambda: [pd.factorize(e[4]) for e in lowcard])
    row(ds, "E2E [py] pd.factorize of the same (numpy object views)", c, w)
    c, w, _ = timed(lambda: [parse_column(e[4], e[2], False) for e in lowcard])
    row(ds, f"E2E [bot] parse_column of the same {len(lowcard)} choice/date cols", c, w)
    c, w, _ = timed(lambda: [parse_column(e[4], e[2], False) for e in texty])
    row(ds, f"E2E [bot] parse_column of the same {len(texty)} text cols (again)", c, w)
    changed = sum(1 for a, k in text_arrow
                  if not pc.all(pc.equal(pc.utf8_length(a), pc.utf8_length(pc.utf8_trim_whitespace(a)))).as_py())
    print(f"  text columns where trimming changes some cell: {changed} of {len(text_arrow)}")

    # 6. Back to Python ---------------------------------------------------------------------------------
    c, w, _ = timed(lambda: [(r[3].to_numpy(zero_copy_only=False), r[4].to_numpy(zero_copy_only=False))
                             for r in arrow_res])
    row(ds, "6 Arrow -> numpy: blank + printable bool masks, text cols", c, w)
    c, w, _ = timed(lambda: [r[3].to_pylist() for r in arrow_res])
    row(ds, "6 Arrow -> .to_pylist(): blank bool mask, text cols", c, w)
    c, w, _ = timed(lambda: [r[0].to_pylist() for r in arrow_res])
    row(ds, "6 Arrow -> .to_pylist(): trimmed strings, text cols", c, w)
    t_back_strs = c
    c, w, _ = timed(lambda: [r[0].to_numpy(zero_copy_only=False) for r in arrow_res])
    row(ds, "6 Arrow -> numpy object: trimmed strings, text cols", c, w)
    c, w, _ = timed(lambda: [(d.indices.to_numpy(zero_copy_only=False), d.dictionary.to_pylist()) for d in arrow_dict])
    row(ds, "6 Arrow dict -> numpy codes + uniques list, choice/date", c, w)
    t_back_dict = c
    c, w, _ = timed(lambda: [(r[3].to_numpy(), r[4].to_numpy()) for r in pl_res])
    row(ds, "6 polars -> numpy bool masks, text cols", c, w)
    c, w, _ = timed(lambda: [r[0].to_list() for r in pl_res])
    row(ds, "6 polars -> .to_list(): trimmed strings, text cols", c, w)
    t_pl_back_strs = c
    c, w, _ = timed(lambda: [r[0].to_numpy() for r in pl_res])
    row(ds, "6 polars -> .to_numpy() (object): trimmed strings", c, w)
    c, w, _ = timed(lambda: [s.to_numpy() for s in pl_cat])
    row(ds, "6 polars categorical codes -> numpy", c, w)

    # 5. JSON straight into columns -------------------------------------------------------------------
    def polars_json():
        df = pl.read_json(io.BytesIO(body))
        vals = df["valueRanges"].explode().struct.field("values")
        out = []
        for i, (tab, header, rows, kinds) in enumerate(tabs):
            r = vals.slice(i, 1).explode()          # List(String), one per sheet row (header included)
            out.append([r.list.get(j, null_on_oob=True).slice(1) for j in range(len(header))])
        return out
    c, w, pj_cols = timed(polars_json, repeat=3)
    row(ds, "5 pl.read_json(body) + explode to per-column Series (of 3)", c, w)
    t_pl_json = c
    c, w, _ = timed(lambda: pl.read_json(io.BytesIO(body)), repeat=3)
    row(ds, "5   pl.read_json(body) alone (of 3)", c, w)
    # does it keep numbers apart from texts? compare with the Python cells
    lost = same = 0
    for (e, s) in zip(catalogue, [s for cols in pj_cols for s in cols]):
        for a, b in zip(e[3], s.to_list()):
            if a.__class__ is not str and a is not None:
                lost += 1
                same += (str(a) == b) or (isinstance(a, float) and a.is_integer() and b == str(int(a)))
    print(f"  polars JSON: {lost:,} number cells became text (type lost); {same:,} of them read as Python str() does")
    diffs = [(a, b) for e, s in zip(catalogue, [s for cols in pj_cols for s in cols])
             for a, b in zip(e[3], s.to_list()) if a is not None and a.__class__ is not str and str(a) != b][:8]
    print(f"  sample differences (Python value, polars text): {diffs}")
    try:
        pj.read_json(io.BytesIO(body), read_options=pj.ReadOptions(block_size=len(body) + 1))
        print("  pyarrow.json: read OK")
    except Exception as ex:
        print(f"  pyarrow.json.read_json: FAILS: {type(ex).__name__}: {str(ex)[:160]}")

    parse = min(floor, t_orjson)
    arrow_e2e_total = parse + t_transpose_grid + t_e2e_arrow_text_tuned + t_e2e_arrow_low
    print(f"  E2E Arrow least cost (parse + _grid + tuned text cols + choice/date cols) = {arrow_e2e_total:.3f}"
          f" = {arrow_e2e_total / floor:.2f}x floor; validation part {arrow_e2e_total - parse:.3f}")
    ROWS.append((ds, "TOTAL arrow e2e tuned", arrow_e2e_total, 0, ""))
    # Totals -----------------------------------------------------------------------------------------
    parse = min(floor, t_orjson)
    arrow_total = parse + t_transpose + t_to_arrow + t_arrow_checks + t_arrow_dict + t_back_strs + t_back_dict
    pl_total = parse + t_transpose + t_to_polars + t_pl_checks + t_pl_cat + t_pl_back_strs
    pl_json_total = t_pl_json + t_pl_checks + t_pl_cat + t_pl_back_strs
    print(f"\n  TOTALS {ds}: floor json.loads {floor:.3f}; orjson {t_orjson:.3f}")
    print(f"  Arrow least cost  (parse+transpose+toArrow+checks+dict+back) = {arrow_total:.3f} "
          f"= {arrow_total / floor:.2f}x floor; validation part (excl. parse) {arrow_total - parse:.3f}")
    print(f"  polars least cost (parse+transpose+Series+checks+cat+back)   = {pl_total:.3f} "
          f"= {pl_total / floor:.2f}x floor; validation part {pl_total - parse:.3f}")
    print(f"  polars JSON route (read_json+explode+checks+cat+back)        = {pl_json_total:.3f} "
          f"= {pl_json_total / floor:.2f}x floor")
    ROWS.append((ds, "TOTAL arrow", arrow_total, 0, ""))
    ROWS.append((ds, "TOTAL polars", pl_total, 0, ""))
    ROWS.append((ds, "TOTAL polars-json", pl_json_total, 0, ""))


def main():
    print(f"python {sys.version.split()[0]}; pyarrow {pa.__version__}; polars {pl.__version__}; "
          f"numpy {np.__version__}; pandas {pd.__version__}; orjson {orjson.__version__}")
    print(f"pyarrow cpu_count {pa.cpu_count()}; polars thread_pool_size {pl.thread_pool_size()}")
    if len(sys.argv) < 2:
        sys.exit("usage: python -m bench.columnar_probe NAME=RECORDING.pickle ... (see the module's docstring)")
    for arg in sys.argv[1:]:
        name, _, path = arg.partition("=")
        measure(name, path)
    print(json.dumps(ROWS))


if __name__ == "__main__":
    main()

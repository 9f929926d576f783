"""Workbooks as Excel makes them (built with XlsxWriter): Tables with totals rows, Tables and filters over the
bot's tabs, a calculation chain, namespace prefixes, column formats, and the openpyxl fallback.

After `run`, a second `run`, `init` and `report`, every test checks: every part well-formed with its content
type and relationships; openpyxl and python-calamine agree on every rep-tab value; the rep tabs' parts are
byte for byte what they were."""
from __future__ import annotations

import logging
import re

import openpyxl
import pytest
from lxml import etree

from bot.cli import commands
from bot.cli.main import main
from conftest import NOW
from excel_books import (COMP, DRAFTS, ESC, LOG, MAIN, add_calc_chain, assert_readers_agree, assert_sound_package,
                         bot_tab_rows, build, calc_chain_cells, cases_and_comps, edit_part, formula_cells, headers,
                         members, prefix_main_namespace, rep_parts, sheet_part, table_refs)

pytestmark = pytest.mark.reliability("Workbooks as Excel makes them")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    """Every command runs on the test suite's day (the cases are logged in November 2026)."""
    monkeypatch.setattr(commands, "local_now", lambda: NOW)


def run(path, *extra) -> int:
    return main(["run", "--once", "--workbook", str(path), *extra])


def init(path) -> int:
    return main(["init", "--workbook", str(path)])


def report(path, tmp_path) -> int:
    return main(["report", "--month", "2026-11", "--workbook", str(path), "--out", str(tmp_path / "r.html")])


def every_command(path, tmp_path, reliability, scenario):
    """run, a second run, init and report, each followed by the checks every workbook must pass."""
    before = rep_parts(path)
    for step, command in (("run", lambda: run(path)), ("second run", lambda: run(path)), ("init", lambda: init(path)),
                          ("report", lambda: report(path, tmp_path))):
        assert command() == 0, step
        assert_sound_package(path)
        assert_readers_agree(path)
        if step == "init":   # init adds its dropdowns and highlights beside the rep tabs' rows, not in them
            assert rows_of_parts(rep_parts(path)) == rows_of_parts(before), "a rep tab's rows changed after init"
            before = rep_parts(path)
        else:
            assert rep_parts(path) == before, f"a rep tab's part changed after {step}"
    reliability.record(scenario=scenario, outcome="sound package, readers agree, rep tabs byte-identical")


def rows_of_parts(parts: dict[str, bytes]) -> dict[str, bytes]:
    """Each part's <sheetData> (any prefix) as bytes; other parts whole."""
    out = {}
    for name, blob in parts.items():
        m = re.search(rb"<(\w+:)?sheetData\b.*?</(\w+:)?sheetData>|<(\w+:)?sheetData\s*/>", blob or b"", re.S)
        out[name] = m.group(0) if m else blob
    return out


def issues_on_rows(path, tab):
    rows = bot_tab_rows(path, "Log Issues")
    return {int(r[1]) for r in rows[1:] if r and r[0] == tab}


def bot_rows_then_book(tmp_path, episodes_first: int, episodes_then: int, per_episode: int = 2, **build_args):
    """A workbook whose bot tabs hold what the bot wrote for `episodes_first` episodes of two cases, rebuilt by
    XlsxWriter with the log grown to `episodes_then` episodes of `per_episode` cases (as if reps had kept
    typing)."""
    first = tmp_path / "first.xlsx"
    log, comps = cases_and_comps(episodes_first)
    build(first, {LOG: log, COMP: comps})
    assert run(first) == 0
    tabs = {title: bot_tab_rows(first, title) for title in (ESC, DRAFTS)}
    log, comps = cases_and_comps(episodes_then, per_episode)
    path = tmp_path / "team.xlsx"
    return build(path, {LOG: log, COMP: comps, **tabs}, **build_args)


# ---- 1. Table totals rows in rep tabs -------------------------------------------------------------------

def test_a_totals_row_in_a_rep_tab_table_is_not_a_case(tmp_path, reliability):
    log, comps = cases_and_comps(2)
    path = build(tmp_path / "team.xlsx", {LOG: log, COMP: comps},
                 tables={LOG: {"name": "tblLog", "totals": True}, COMP: {"name": "tblComp", "totals": True}})
    every_command(path, tmp_path, reliability, "rep tabs as Tables with totals rows")
    totals_row = len(log) + 1
    assert totals_row not in issues_on_rows(path, LOG) and totals_row not in issues_on_rows(path, COMP)
    assert bot_tab_rows(path, "Log Issues")[1:] == []
    monthly = bot_tab_rows(path, "Monthly Report")
    left_out = [r for r in monthly if r and any(isinstance(v, str) and v.startswith("Left out") for v in r)]
    assert left_out and all(0 in r for r in left_out)
    assert table_refs(path)["tblLog"][0] == f"A1:{chr(64 + len(log[0]))}{totals_row}"   # the rep's Table as it was


def test_rows_below_a_rep_tab_tables_header_keep_their_sheet_row_numbers(tmp_path):
    log, comps = cases_and_comps(1)
    log[2][headers("defective_log").index("Customer Email")] = "not-an-email"
    path = build(tmp_path / "team.xlsx", {LOG: log, COMP: comps}, tables={LOG: {"name": "tblLog", "totals": True}})
    assert run(path) == 0
    assert issues_on_rows(path, LOG) == {3}


def test_a_totals_row_in_escalations_is_not_read_as_a_flag(tmp_path):
    path = bot_rows_then_book(tmp_path, 1, 1, tables={ESC: {"name": "tblEsc", "totals": True}})
    assert run(path) == 0
    rows = bot_tab_rows(path, ESC)
    assert [r[0] for r in rows[1:]] == ["ESC-0001", "Total"]
    assert issues_on_rows(path, ESC) == set()


# ---- 2. Tables and filters over bot tabs keep covering the bot's rows -----------------------------------

@pytest.mark.parametrize("shape", ["plain", "totals", "blank-row-and-totals"])
def test_a_new_flag_lands_inside_the_leads_table(tmp_path, reliability, shape):
    table = {"name": "tblEsc", "totals": shape != "plain", "blank_rows": 1 if shape == "blank-row-and-totals" else 0}
    path = bot_rows_then_book(tmp_path, 1, 2, tables={ESC: table})
    width = len(bot_tab_rows(path, ESC)[0])
    last = chr(64 + width)
    every_command(path, tmp_path, reliability, f"Escalations as a Table ({shape})")
    rows = bot_tab_rows(path, ESC)
    flags = [r[0] for r in rows[1:] if r and str(r[0]).startswith("ESC-")]
    assert flags == ["ESC-0001", "ESC-0002"] and rows[2][0] == "ESC-0002"   # row 3, not below a totals row
    ref, filter_ref = table_refs(path)["tblEsc"]
    if shape == "plain":
        assert (ref, filter_ref) == (f"A1:{last}3", f"A1:{last}3")
    else:
        assert (ref, filter_ref) == (f"A1:{last}4", f"A1:{last}3")
        assert rows[3][0] == "Total"   # the totals row stays last
        ws = openpyxl.load_workbook(path)[ESC]
        assert ws["B4"].value == "=SUBTOTAL(103,[Product])"   # as XlsxWriter wrote it


def test_the_drafts_autofilter_grows_with_the_drafts(tmp_path, reliability):
    log, comps = cases_and_comps(2)
    path = build(tmp_path / "team.xlsx", {LOG: log, COMP: comps, DRAFTS: [headers("drafts")]},
                 filters={DRAFTS: "A1:H2"})
    every_command(path, tmp_path, reliability, "Drafts with an autofilter")
    drafts = bot_tab_rows(path, DRAFTS)
    assert len(drafts) == 5
    ws = openpyxl.load_workbook(path)[DRAFTS]
    assert ws.auto_filter.ref == "A1:H5"
    wb_xml = members(path)["xl/workbook.xml"].decode()
    assert "Drafts!$A$1:$H$5" in wb_xml


def test_new_cells_take_their_columns_format(tmp_path):
    log, comps = cases_and_comps(1)
    path = build(tmp_path / "team.xlsx", {LOG: log, COMP: comps, DRAFTS: [headers("drafts")]},
                 column_formats={DRAFTS: {"E:E": {"text_wrap": True}}})
    assert run(path) == 0
    ws = openpyxl.load_workbook(path)[DRAFTS]
    assert ws["E2"].value and ws["E2"].alignment.wrap_text


# ---- 3. calcChain ----------------------------------------------------------------------------------------

def test_calc_chain_names_only_cells_with_formulas(tmp_path, reliability):
    path = bot_rows_then_book(tmp_path, 1, 1, 3, formulas={ESC: {"K2": ("=TODAY()", 46349)},
                                                        LOG: {"R2": ("=L2*2", 2)}})
    add_calc_chain(path, [(3, "K2"), (1, "R2")])
    every_command(path, tmp_path, reliability, "calcChain with a formula typed in a bot column")
    assert calc_chain_cells(path) == [("1", "R2")]
    assert "K2" not in formula_cells(path, ESC)
    assert bot_tab_rows(path, LOG)[1][17] == 2   # the rep's cached result, read by openpyxl


def test_a_calc_chain_left_empty_is_removed_with_its_relationship(tmp_path):
    path = bot_rows_then_book(tmp_path, 1, 1, 3, formulas={ESC: {"K2": ("=TODAY()", 46349)}})
    add_calc_chain(path, [(3, "K2")])
    assert run(path) == 0
    assert calc_chain_cells(path) is None
    assert b"calcChain" not in members(path)["xl/_rels/workbook.xml.rels"]
    assert b"calcChain" not in members(path)["[Content_Types].xml"]
    assert_sound_package(path)


def test_calc_chain_follows_a_totals_row_that_moves(tmp_path):
    path = bot_rows_then_book(tmp_path, 1, 2, tables={ESC: {"name": "tblEsc", "totals": True}})
    add_calc_chain(path, [(3, "B3")])   # the totals row's SUBTOTAL, where XlsxWriter put it
    assert run(path) == 0
    assert calc_chain_cells(path) == [("3", "B4")]
    assert "B4" in formula_cells(path, ESC)


# ---- 4. any namespace prefix, and the fallback ----------------------------------------------------------

def test_namespace_prefixed_parts_are_edited_in_place(tmp_path, reliability, capsys):
    log, comps = cases_and_comps(2)
    path = build(tmp_path / "team.xlsx", {LOG: log, COMP: comps}, formulas={LOG: {"R2": ("=L2*2", 2)}},
                 tables={LOG: {"name": "tblLog", "totals": True}})
    prefix_main_namespace(path)
    assert b"<x:sheetData>" in members(path)[sheet_part(path, LOG)]
    every_command(path, tmp_path, reliability, "parts with a namespace prefix (x:)")
    assert "WARNING" not in capsys.readouterr().err   # no fallback
    assert bot_tab_rows(path, LOG)[1][17] == 2
    assert bot_tab_rows(path, "Log Issues")[1:] == []
    assert [r[0] for r in bot_tab_rows(path, ESC)[1:]] == ["ESC-0001", "ESC-0002"]


def share_a_formula(path):
    """K2 (Updated At, a bot column) holds a formula shared with L2 (Lead Status), as Excel writes a fill
    to the right: L2 has no formula text of its own."""
    def edit(xml):
        root = etree.fromstring(xml.encode())
        row = root.find(f"{{{MAIN}}}sheetData/{{{MAIN}}}row[@r='2']")
        cells = {c.get("r"): c for c in row}
        for ref in ("K2", "L2"):
            cell = cells.get(ref)
            if cell is None:
                cell = etree.SubElement(row, f"{{{MAIN}}}c", r=ref)
            for child in list(cell):
                cell.remove(child)
            cell.attrib.pop("t", None)
            f = etree.SubElement(cell, f"{{{MAIN}}}f", t="shared", si="0")
            if ref == "K2":
                f.set("ref", "K2:L2")
                f.text = "TODAY()"
            etree.SubElement(cell, f"{{{MAIN}}}v").text = "46349"
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True).decode()
    edit_part(path, sheet_part(path, ESC), edit)


def test_the_fallback_refuses_to_blank_rep_tab_formula_results(tmp_path, reliability, capsys):
    path = bot_rows_then_book(tmp_path, 1, 1, 3, formulas={LOG: {"R2": ("=L2*2", 2)}})
    share_a_formula(path)
    before = members(path)
    assert run(path) == 3
    err = capsys.readouterr().err
    assert "Escalations!K2" in err and "'Defective Log' (1)" in err and "clear the formula" in err
    assert members(path) == before
    reliability.record(scenario="fallback that would blank rep-tab formula results", outcome="refused, exit 3")


def test_the_fallback_says_what_it_loses_and_keeps_tables_covering(tmp_path, reliability, capsys):
    path = bot_rows_then_book(tmp_path, 1, 2, 3, tables={ESC: {"name": "tblEsc", "totals": True}})
    share_a_formula(path)
    assert run(path) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "WARNING" in line]
    assert len(warned) == 1 and "Escalations!K2" in warned[0]
    # The true losses: the cached results of K2, L2 and the totals row's SUBTOTAL; no images or charts here.
    assert "loses: the cached results of 3 formula(s) in 'Escalations'" in warned[0]
    assert "images" not in warned[0] and "charts" not in warned[0]
    assert_sound_package(path)
    assert_readers_agree(path)
    last = chr(64 + len(bot_tab_rows(path, ESC)[0]))
    assert table_refs(path)["tblEsc"] == (f"A1:{last}4", f"A1:{last}3")
    assert [r[0] for r in bot_tab_rows(path, ESC)[1:]] == ["ESC-0001", "ESC-0002", "Total"]
    assert run(path) == 0   # rewritten once; from then on edited in place
    assert "WARNING" not in capsys.readouterr().err
    reliability.record(scenario="fallback (shared formula over a bot cell)", outcome="warned once with its losses")


# ---- 5. smaller ------------------------------------------------------------------------------------------

def test_init_that_exits_2_writes_nothing(tmp_path):
    log, comps = cases_and_comps(1)
    path = build(tmp_path / "team.xlsx", {LOG: [["Crunch & Co defective log"]] + log, COMP: comps})
    before = members(path)
    assert init(path) == 2
    assert members(path) == before

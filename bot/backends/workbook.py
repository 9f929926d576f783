"""The local .xlsx workbook backend (the embedded default): no account, no network.

This is the only module that imports openpyxl. It reads tabs as raw values (with python-calamine, six to
eight times as fast, through xlsx_values; with openpyxl's read-only mode where calamine cannot) and applies a
`Plan` by editing the bot tabs' parts of the file in place (xlsx_patch), or with openpyxl's full rewrite
where that is not possible. The file itself, and the person who may be editing it at the same time, are
guarded by workbook_file: fingerprinted reads, office lock files, atomic saves.
"""
from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import re
import warnings
from datetime import date, datetime, time, timedelta
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, Sequence

import openpyxl
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from bot.read.cells import MAX_STORED_CHARS, storable_text
from bot.errors import AccessError, BotError, LayoutError
from bot.read.table import find_title
from .base import ApplyResult, Cell, Check, Plan, RangeWrite, Rows, Snapshot, TabFormat
from .workbook_file import Fingerprint, WorkbookFile
from .xlsx_formats import (DROPDOWN_ERROR_TITLE, column_sqref, dropdown_error, highlight_formula, list_formula,
                           patch_formats)
from .xlsx_losses import rewrite_losses
from .xlsx_package import Package, ooxml_escaped
from .xlsx_patch import PatchUnsupported, patch_workbook
from .xlsx_tables import rows_not_data
from .xlsx_values import CalamineTabs

log = logging.getLogger(__name__)

# Excel's limits: a sheet title of at most 31 characters without []:*?/\ ; a cell of at most 32,767 characters.
MAX_TITLE_CHARS = 31
_BAD_TITLE_CHARS = re.compile(r"[\[\]:*?/\\]")  # what Excel refuses in a tab name
MAX_CELL_CHARS = MAX_STORED_CHARS
# The ranges, formulas and messages of init's formats are xlsx_formats' (the in-place path), so both
# paths give a workbook the same rules.
REQUIRED_BLANK_FILL = PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid")  # Excel's light red

# Characters XML 1.0 cannot hold (a superset of openpyxl's ILLEGAL_CHARACTERS_RE, which misses U+FFFE, U+FFFF
# and lone surrogates that make the saved file unreadable) are removed by cells.storable_text, see clean_text.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an encrypted workbook or an old binary .xls, not a zip


class WorkbookBackend:
    """A local .xlsx workbook. `allow_missing`: a missing file reads as a workbook with no tabs."""

    # The file is written whole anyway (its parts re-serialised): moving rows would save nothing.
    shifts_rows = False

    def __init__(self, path: str | os.PathLike[str], *, allow_missing: bool = False):
        self.path = Path(path)
        self.allow_missing = allow_missing
        self.file = WorkbookFile(self.path)
        # Set by read(): the workbook was open in Excel/LibreOffice when we read it (apply re-checks anyway).
        self.open_elsewhere = False
        self.last_warnings: list[str] = []   # what openpyxl warned about while loading the file last

    def describe(self) -> str:
        return str(self.path)

    def change_token(self) -> str | None:
        """A cheap stamp that changes whenever anyone saves the file (None when it does not exist)."""
        try:
            st = self.path.stat()
        except OSError:
            return None
        return f"{st.st_mtime_ns}:{st.st_size}"

    # ---- reading ----------------------------------------------------------------------------------------

    def read(self, titles: Sequence[str], unless_digest: str | None = None) -> Snapshot:
        current = self.file.read()
        if current is None:
            if not self.allow_missing:
                raise self._missing_error()
            return Snapshot(tabs={t: None for t in titles}, source=str(self.path), token=None)
        data, fingerprint = current
        digest = f"{fingerprint.sha256}:{chr(31).join(titles)}"
        if digest == unless_digest:
            return Snapshot(tabs={}, source=str(self.path), token=fingerprint, digest=digest, unchanged=True)
        self.open_elsewhere = self.file.lock_file() is not None
        try:
            values = CalamineTabs(data) if data[:4] != _OLE_MAGIC else None
        except CalamineTabs.Unreadable as exc:
            # openpyxl reads it, or says in a plain sentence what is wrong with the file
            log.debug("calamine cannot read %s (%s); reading it with openpyxl", self.path, exc)
            values = None
        wb = None if values is not None else self._load(data, read_only=True)
        try:
            # Rows are parsed lazily in read-only mode, so a broken sheet can still fail here.
            names = values.sheet_names if values is not None else wb.sheetnames
            actual = {title: find_title(title, names) for title in titles}
            # Tables' totals rows, and header rows below row 1, by the tab's own name
            not_data = rows_not_data(data, [a for a in actual.values() if a is not None])
            shared: dict = {"": None}   # an empty text is a blank cell, whichever reader read it
            tabs: dict[str, Rows | None] = {}
            for title, found in actual.items():
                rows = None
                if found is not None and values is not None:
                    if not values.is_worksheet(found):
                        raise self._chart_sheet_error(found)
                    rows = values.rows(found, shared)
                if found is not None and rows is None:   # calamine left this tab to openpyxl
                    wb = wb or self._load(data, read_only=True)
                    with self._as_access_error():
                        rows = self._read_tab(wb, found, shared)
                tabs[title] = None if rows is None else _without_not_data(rows, not_data.get(found or "", ()))
        finally:
            if wb is not None:
                wb.close()
        return Snapshot(tabs=tabs, source=str(self.path), token=fingerprint, digest=digest,
                        titles={t: a for t, a in actual.items() if a is not None and a != t})

    def _read_tab(self, wb: Any, title: str, shared: dict) -> Rows:
        """A tab read by openpyxl (when calamine cannot: see xlsx_values). `shared`: equal texts and datetimes
        read as one object (openpyxl makes one per cell of a text the bot wrote, and a cycle holds every cell
        read: Open Cases repeats its levels, owners and reasons tens of thousands of times). Only texts and
        datetimes: 1, 1.0 and True are equal keys."""
        ws = wb[title]
        if not hasattr(ws, "iter_rows"):
            raise self._chart_sheet_error(title)
        # The stored dimension (e.g. "A1:Q40") may be wrong when another program wrote the file, and
        # read-only iteration would stop there; forget it and read every row the sheet holds.
        ws.reset_dimensions()
        rows: Rows = []
        one = shared.setdefault
        for values in ws.iter_rows(values_only=True):
            row = [one(v, v) if type(v) in _SHARED_KINDS else v for v in values]
            while row and row[-1] is None:
                row.pop()
            rows.append(row)
        return rows

    def _chart_sheet_error(self, title: str) -> LayoutError:
        return LayoutError(title, f"'{title}' in {self.path} is a chart sheet, not a tab of cells; "
                                  "rename it or set another tab name in the configuration.")

    # ---- writing ----------------------------------------------------------------------------------------

    def apply(self, plan: Plan, snapshot: Snapshot) -> ApplyResult:
        if plan.is_empty:
            return ApplyResult(requests=0, cells_written=0)
        if plan.shifts:
            raise BotError("The bot planned to move rows in a workbook, which it writes cell by cell; this is a "
                           "bug, please report it.")
        plan = _retitled(plan, snapshot.titles)
        self.file.refuse_if_not_writable()
        current = self.file.read()
        fingerprint = None if current is None else current[1]
        if fingerprint != snapshot.token:
            raise self.file.changed_error()
        if current is not None:
            # First choice: edit only the bot tabs' parts of the file (fast, and the reps' tabs, formula
            # results, images and charts stay exactly as they are). Fallback: openpyxl's full rewrite.
            existing = self._sheet_titles(current[0]) if plan.creates else []
            for create in plan.creates:
                self._check_new_title(existing, create.title)
            storable = _storable_plan(plan)
            try:
                patched = patch_workbook(current[0], storable)
            except PatchUnsupported as exc:
                # Rewritten once by openpyxl (a plain package), then edited in place like any other file.
                written = set(plan.tabs_written()) | {c.title for c in plan.creates}
                patched = self._edit_rewritten(current[0], exc, written, lambda data: patch_workbook(data, storable))
            self.file.save_bytes(patched, fingerprint)
            return ApplyResult(requests=1, cells_written=plan.cell_count)
        wb = openpyxl.Workbook()
        # A new Workbook comes with an empty "Sheet"; the plan's tabs replace it.
        wb.remove(wb.active)

        for create in plan.creates:
            self._create_tab(wb, create.title)
            if create.hidden:
                wb[create.title].sheet_state = "hidden"
        for write in plan.writes:
            if write.tab not in wb.sheetnames:
                raise BotError(f"The bot tried to write to tab '{write.tab}', which is not in {self.path} "
                               "and was not created; this is a bug, please report it.")
            ws = wb[write.tab]
            for r, row_values in enumerate(write.values):
                for c, value in enumerate(row_values):
                    _set_cell(ws.cell(row=write.row + r, column=write.col + c), value)

        formats = [c.format for c in plan.creates if c.format is not None]
        if formats:   # the new tabs made readable in place, as a cycle's new tab is (xlsx_patch)
            data = self._serialised(wb)
            self.file.save_bytes(patch_formats(data, formats) or data, fingerprint)
        else:
            self._save(wb, fingerprint)
        return ApplyResult(requests=1, cells_written=plan.cell_count)

    def _edit_rewritten(self, data: bytes, why: PatchUnsupported, written: set[str], edit) -> bytes:
        """The fallback: openpyxl rewrites the unchanged workbook, then `edit` works on that plain package.

        Refused (AccessError, exit 3) when the rewrite would empty the results Excel cached for formulas in a
        tab the bot does not write (a rep tab): other programs, and the bot's next read, would see them
        blank. Otherwise announced at WARNING with what the rewrite loses, found by comparing the packages.
        """
        wb = self._load(data, read_only=False)
        warned = self.last_warnings
        if wb.calculation is None:
            wb.calculation = CalcProperties()
        wb.calculation.fullCalcOnLoad = True   # Excel/LibreOffice recompute what openpyxl did not keep
        buffer = io.BytesIO()
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            wb.save(buffer)
        rewritten = buffer.getvalue()
        losses = rewrite_losses(data, rewritten, warned)
        kept_blank = {tab: n for tab, n in losses.cached_results.items() if tab not in written}
        if kept_blank:
            tabs = ", ".join(f"'{tab}' ({n})" for tab, n in kept_blank.items())
            raise AccessError(str(self.path), f"The bot cannot edit {self.path} in place ({why.reason}) and will not "
                                              f"rewrite it, which would blank the results of the formulas in {tabs}; "
                                              f"{why.fix}.")
        log.warning("could not edit %s in place (%s), so openpyxl rewrites the whole file, which loses: %s",
                    self.path, why.reason, losses.sentence())
        try:
            return edit(rewritten)
        except PatchUnsupported as exc:
            raise AccessError(str(self.path), f"The bot cannot edit {self.path} even after rewriting it "
                                              f"({exc.reason}); {exc.fix}.") from None

    def _sheet_titles(self, data: bytes) -> list[str]:
        """The tabs' names, from the package's workbook part. openpyxl's read-only load would also measure
        every sheet whose stored size is missing, reading it whole (4 s on a 100,000-row log)."""
        try:
            return [sheet.title for sheet in Package(data).sheets]
        except PatchUnsupported:
            pass    # openpyxl reads it, or says in a plain sentence what is wrong with the file
        wb = self._load(data, read_only=True)
        try:
            return list(wb.sheetnames)
        finally:
            wb.close()

    def _create_tab(self, wb: Any, title: str) -> None:
        if title in wb.sheetnames:
            return  # already there (the plan was built from this very file): nothing to create
        self._check_new_title(wb.sheetnames, title)
        try:
            wb.create_sheet(title=title)  # appended after the existing tabs
        except ValueError:
            raise LayoutError(title, f"The tab name '{title}' contains a character Excel does not allow "
                                     "in tab names ([ ] : * ? / \\); choose another name in the configuration.") from None

    def _check_new_title(self, existing: list[str], title: str) -> None:
        """A new tab's name must be one Excel accepts and not clash with an existing tab."""
        if title in existing:
            return
        if _BAD_TITLE_CHARS.search(title):
            raise LayoutError(title, f"The tab name '{title}' contains a character Excel does not allow "
                                     "in tab names ([ ] : * ? / \\); choose another name in the configuration.")
        clash = [name for name in existing if name.lower() == title.lower()]
        if clash:
            raise LayoutError(title, f"{self.path} has a tab '{clash[0]}' that differs from '{title}' only in "
                                     "case; rename that tab or set the tab name in the configuration.")
        if len(title) > MAX_TITLE_CHARS:
            raise LayoutError(title, f"The tab name '{title}' is longer than {MAX_TITLE_CHARS} characters, "
                                     "which Excel does not allow; choose a shorter name in the configuration.")

    def apply_formats(self, formats: Sequence[TabFormat]) -> ApplyResult:
        """Freeze header rows, add dropdowns and required-cell highlights (for `init`). Values are not touched.

        Running it again adds nothing twice; when nothing is missing the file is not rewritten (requests=0).
        Edits only the parts the formats live in (xlsx_formats); openpyxl's full rewrite is the fallback.
        """
        self.file.refuse_if_not_writable()
        current = self.file.read()
        if current is None:
            raise self._missing_error()
        data, fingerprint = current
        # First choice, as for a cycle's write: add the formats inside the sheet parts, so the reps' tabs,
        # their formulas' cached results, images and charts stay as they are. Fallback: openpyxl.
        note = _protection_note(formats)
        missing = [f.title for f in formats if f.title not in self._sheet_titles(data)]
        if not missing:
            try:
                patched = patch_formats(data, formats)
            except PatchUnsupported as exc:
                # The formats go on the rep tabs, so no tab may lose its formulas' cached results here.
                patched = self._edit_rewritten(data, exc, set(), lambda rewritten: patch_formats(rewritten, formats))
            if patched is None:
                return ApplyResult(requests=0, cells_written=0, protection_note=note)
            self.file.save_bytes(patched, fingerprint)
            return ApplyResult(requests=1, cells_written=0, protection_note=note)
        wb = self._load(data, read_only=False)
        changed = False
        for fmt in formats:
            if fmt.title not in wb.sheetnames or not isinstance(wb[fmt.title], Worksheet):
                raise LayoutError(fmt.title, f"Tab '{fmt.title}' is missing from {self.path}; "
                                             "run `defective-log-bot init` to create it.")
            ws = wb[fmt.title]
            # Respect a freeze the team already set (e.g. also freezing the first columns).
            if fmt.freeze_header and ws.freeze_panes is None:
                ws.freeze_panes = "A2"
                changed = True
            for column, allowed in sorted(fmt.dropdowns.items()):
                if allowed:
                    changed |= self._add_dropdown(ws, column, allowed)
            for column in sorted(set(fmt.required_columns)):
                changed |= _add_required_highlight(ws, column)
        if not changed:
            return ApplyResult(requests=0, cells_written=0, protection_note=note)
        self._save(wb, fingerprint)
        return ApplyResult(requests=1, cells_written=0, protection_note=note)

    def _add_dropdown(self, ws: Worksheet, column: int, allowed: tuple[str, ...]) -> bool:
        target = CellRange(column_sqref(column))
        # A column that already has a validation keeps it: overlapping validations make Excel "repair" the file.
        for existing in ws.data_validations.dataValidation:
            if any(not target.isdisjoint(r) for r in existing.sqref.ranges):
                return False
        formula = list_formula(allowed)
        if formula is None:
            log.warning("Skipped the dropdown for column %s of '%s': its values do not fit an Excel list.",
                        get_column_letter(column + 1), ws.title)
            return False
        # A warning, not a stop: reps can still type a value (the bot reads choices case-insensitively).
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False,
                            showErrorMessage=True, errorStyle="warning", errorTitle=DROPDOWN_ERROR_TITLE,
                            error=dropdown_error(allowed))
        dv.add(target.coord)
        ws.add_data_validation(dv)
        return True

    # ---- doctor -----------------------------------------------------------------------------------------

    def check_access(self) -> list[Check]:
        """Does the workbook exist, can we read it, is it a valid .xlsx? Stops at the first failure."""
        name = "workbook"
        try:
            current = self.file.read()
        except AccessError as exc:
            return [Check(name, False, exc.message, "check the file permissions and the --workbook path")]
        if current is None:
            return [Check(name, False, f"no workbook at {self.path}",
                          f"run `defective-log-bot init --workbook {self.path}` to create one")]
        try:
            self._load(current[0], read_only=True).close()
        except AccessError as exc:
            return [Check(name, False, exc.message, "restore it from a backup or point --workbook at the right file")]
        return [Check(name, True, f"{self.path} is a readable .xlsx workbook")]

    def check_write(self, title: str) -> Check:
        """Could the bot save tab `title` now? (The whole file is rewritten, so this is about the file.)"""
        name = f"write '{title}'"
        folder = self.file.target().parent
        if not os.access(folder, os.W_OK | os.X_OK):
            return Check(name, False, f"the folder {folder} is not writable",
                         "let the bot's user write to that folder (the workbook is saved through a temp file there)")
        if self.file.target().exists() and not os.access(self.file.target(), os.W_OK):
            return Check(name, False, f"{self.path} is read-only", "make the file writable for the bot's user")
        lock = self.file.lock_file()
        if lock is not None:
            return Check(name, False, f"{self.path} is open in another program ({lock} exists)",
                         f"close it in Excel/LibreOffice; if no program has it open any more, {lock.name} was "
                         f"left behind and can be deleted")
        # Whether the tab exists yet does not matter: the bot saves the whole file, creating its tabs.
        return Check(name, True, f"{self.path} can be written")

    # ---- file handling ----------------------------------------------------------------------------------

    def _load(self, data: bytes, *, read_only: bool) -> Any:
        """Parse workbook bytes; anything that is not a readable .xlsx becomes one AccessError."""
        with self._as_access_error(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if data[:4] == _OLE_MAGIC:
                raise ValueError("it is password-protected or an old .xls file")
            # read-only + data_only: fast, and a formula cell gives the value Excel last computed.
            # For an update: the full workbook with formulas, so the reps' formulas are saved back as formulas.
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=read_only,
                                        keep_vba=False)
        # e.g. "Data Validation extension is not supported and will be removed": true only of openpyxl's own
        # save, which the bot uses only as the fallback; that path says it in plain words (xlsx_losses).
        self.last_warnings = [str(w.message) for w in caught]
        for text in self.last_warnings:
            log.debug("openpyxl: %s (%s)", text, self.path)
        return wb

    @contextlib.contextmanager
    def _as_access_error(self) -> Iterator[None]:
        try:
            yield
        except BotError:
            raise
        except Exception as exc:  # zip, XML, missing part, bad value: all mean "not a workbook we can read"
            raise AccessError(str(self.path), f"{self.path} is not a readable .xlsx workbook "
                                              f"({_short_reason(exc)}); restore it from a backup or point "
                                              "--workbook at the right file.") from None

    def _save(self, wb: Any, expected: Fingerprint | None) -> None:
        """Atomically replace the workbook with `wb`, unless someone changed or opened it meanwhile."""
        # serialise first: an openpyxl problem must not leave a temp file behind
        self.file.save_bytes(self._serialised(wb), expected)

    @staticmethod
    def _serialised(wb: Any) -> bytes:
        # openpyxl drops the values Excel cached for formulas; ask Excel/LibreOffice to recompute on open.
        if wb.calculation is None:
            wb.calculation = CalcProperties()
        wb.calculation.fullCalcOnLoad = True
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()

    def _missing_error(self) -> AccessError:
        return AccessError(str(self.path), f"No workbook at {self.path}: check --workbook, or run "
                                           f"`defective-log-bot init --workbook {self.path}` to create one.")


# ---- cell values ------------------------------------------------------------------------------------------

_SHARED_KINDS = frozenset({str, datetime})   # never equal to each other nor to a number


def _without_not_data(rows: Rows, not_data: Sequence[tuple[int, int, int]]) -> Rows:
    """A Table's totals row is not a case (nor a flag): its cells read as blank, and the rows keep their
    sheet numbers so Log Issues still point where a rep looks. Trailing blank rows dropped."""
    for r, c1, c2 in not_data:
        if r - 1 < len(rows):
            row = rows[r - 1]
            row[c1 - 1:c2] = [None] * len(row[c1 - 1:c2])
            while row and row[-1] is None:
                row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _retitled(plan: Plan, titles: dict[str, str]) -> Plan:
    """The plan addressed to the tabs as the workbook names them (a tab found ignoring case and spaces)."""
    if not titles:
        return plan
    return Plan(tuple(c for c in plan.creates if c.title not in titles),
                tuple(replace(w, tab=titles.get(w.tab, w.tab)) for w in plan.writes))


def _storable_plan(plan: Plan) -> Plan:
    """The plan with every text as the workbook stores it (the core already sends storable text)."""
    return Plan(plan.creates, tuple(
        RangeWrite(w.tab, w.row, w.col, tuple(tuple(clean_text(v) if isinstance(v, str) else v for v in row)
                                              for row in w.values))
        for w in plan.writes))


def _set_cell(cell: Any, value: Cell) -> None:
    """Store one literal value; text is always text, never a formula."""
    if value is None or value == "":
        cell.value = None
    elif isinstance(value, str):
        cell.value = ooxml_escaped(clean_text(value))   # read back as it is by Excel and calamine
        # openpyxl makes any str starting with "=" a formula; a customer's "=1+1" must stay what they typed.
        cell.data_type = "s"
    elif isinstance(value, float) and not math.isfinite(value):
        cell.value = str(value)  # NaN/inf have no place in an .xlsx number and would corrupt the file
        cell.data_type = "s"
    elif isinstance(value, (bool, int, float, Decimal, datetime, date, time, timedelta)):
        cell.value = value  # numbers, booleans and dates keep their type (dates get a date format)
    else:
        raise TypeError(f"cannot store a {type(value).__name__} in a workbook cell")


def clean_text(text: str) -> str:
    """Text as the workbook can store it: no characters XML forbids, line breaks as "\\n", at most 32,767 chars.

    The same value is what a later read returns (XML turns a stored "\\r" into "\\n" anyway). It is the
    core's `storable_text`, so the bot's own writes (already storable) are stored exactly as planned, the
    same as in a Google Sheet.
    """
    return storable_text(text)


NO_PROTECTION = ("A workbook's tabs are not protected: Excel cannot ask people to confirm before they edit some "
                 "columns (Google Sheets can), and locking a sheet would also lock Lead Status, Lead Notes, Status "
                 "and your own columns; the README's 'Working in the bot's tabs' says what not to type over.")


def _protection_note(formats: Sequence[TabFormat]) -> str | None:
    """What init says about [protection] in a workbook: nothing is protected, whatever the mode."""
    modes = {f.protection.mode for f in formats if f.protection is not None}
    if not modes:
        return None
    if modes == {"off"}:
        return "The bot's columns are not protected ([protection] mode = \"off\")."
    return NO_PROTECTION


def _add_required_highlight(ws: Worksheet, column: int) -> bool:
    """Fill a blank (or spaces-only) required cell light red on any row where some cell is filled."""
    sqref = column_sqref(column)
    formula = highlight_formula(column)  # the same rule as the in-place path and the Google backend
    for existing in ws.conditional_formatting:
        if str(existing.sqref) == sqref and any(list(rule.formula) == [formula] for rule in existing.rules):
            return False
    ws.conditional_formatting.add(sqref, FormulaRule(formula=[formula], fill=REQUIRED_BLANK_FILL))
    return True


def _short_reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"a part is missing: {exc.args[0] if exc.args else exc}"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 100 else text[:97] + "..."

"""Dates and times written in place: a serial number with a date format, as Excel stores them.

The bot mostly writes text and numbers, but a RangeWrite may carry a date, a datetime, a time or a
duration (the backend contract allows them). Excel keeps such a value as a number of days since its
epoch (1899-12-30, or 1904-01-01 in a workbook set to the 1904 system) shown through a number format,
so each kind gets one cell format in the styles part, added once and reused.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from lxml import etree

from bot.backends.xlsx_package import Package, PatchUnsupported, q

# Excel's built-in number formats: m/d/yyyy, m/d/yyyy h:mm, h:mm:ss, [h]:mm:ss.
_FORMAT_IDS = {date: "14", datetime: "22", time: "21", timedelta: "46"}


class DateStyles:
    def __init__(self, pkg: Package):
        self.pkg = pkg
        workbook_pr = pkg.tree(pkg.workbook_part).find(q("workbookPr"))
        is_1904 = workbook_pr is not None and workbook_pr.get("date1904") in ("1", "true")
        self.epoch = datetime(1904, 1, 1) if is_1904 else datetime(1899, 12, 30)
        self._styles: dict[str, str] = {}

    def serial(self, value) -> tuple[float, str]:
        """(the number Excel stores, the style index of its format)."""
        if isinstance(value, datetime):
            kind, number = datetime, (value.replace(tzinfo=None) - self.epoch) / timedelta(days=1)
        elif isinstance(value, date):
            kind, number = date, float((value - self.epoch.date()).days)
        elif isinstance(value, time):
            kind = time
            number = (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
        else:
            kind, number = timedelta, value / timedelta(days=1)
        return number, self._style(_FORMAT_IDS[kind])

    def _style(self, format_id: str) -> str:
        found = self._styles.get(format_id)
        if found is None:
            parts = self.pkg.targets(self.pkg.workbook_part, "/styles")
            if not parts or not self.pkg.has(parts[0]):
                raise PatchUnsupported("a workbook without a styles part, which a date cell needs")
            xfs = self.pkg.tree(parts[0]).find(q("cellXfs"))
            if xfs is None:
                raise PatchUnsupported(f"{parts[0]} has no cellXfs, which a date cell needs")
            found = str(len(xfs.findall(q("xf"))))
            etree.SubElement(xfs, q("xf"), numFmtId=format_id, fontId="0", fillId="0", borderId="0",
                             xfId="0", applyNumberFormat="1")
            xfs.set("count", str(int(found) + 1))
            self.pkg.touch(parts[0])
            self._styles[format_id] = found
        return found

"""An .xlsx package (a zip of XML parts) opened for editing a few parts as XML trees.

Why lxml and not regular expressions or ElementTree: a valid SpreadsheetML part may use any namespace
prefix (`<x:sheetData>`, as Open XML SDK-based writers produce), which a pattern written for `<sheetData>`
misses; and ElementTree renames prefixes and drops namespace declarations it thinks unused, while
`mc:Ignorable="x14ac"` names such prefixes by text, so Excel would reject the file it wrote. lxml keeps
every prefix and declaration as it was, and a new element takes the prefix already in scope.

Parts nobody edits are copied byte for byte, as they were compressed.
"""
from __future__ import annotations

import io
import re
import shutil
import posixpath
import tempfile
import zipfile
from dataclasses import dataclass
from urllib.parse import unquote

from lxml import etree

from bot.read.table import column_letter, column_number

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_NS = "http://www.w3.org/XML/1998/namespace"
OFFICE_DOCUMENT = REL_NS + "/officeDocument"

# No entity expansion and no network: a workbook is untrusted input (billion laughs, external entities).
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)


# What a person can do about most files the bot cannot edit in place: Excel writes a plain package.
RESAVE = "open it in Excel and save it as an Excel Workbook (.xlsx), then run the bot again"


class PatchUnsupported(Exception):
    """The package cannot be edited in place: `reason` names the part, cell or structure, `fix` says what
    a person can do about it."""

    def __init__(self, reason: str, fix: str = RESAVE):
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


class _Spill:
    """Serialised parts waiting for Package.save, in an unnamed temporary file (gone when closed): a first
    cycle's bot tabs are over 100 MB of XML (the real CAERS log), which would otherwise sit in memory all
    at once until the zip is written. Kept in memory when no temporary file can be written."""

    def __init__(self):
        self._file = None
        self._usable = True

    def keep(self, pieces: list) -> list:
        """What to hand back to `write`: (offset, length) of the pieces in the file, or the pieces."""
        if self._usable:
            try:
                if self._file is None:
                    self._file = tempfile.TemporaryFile()
                start = self._file.seek(0, io.SEEK_END)
                for piece in pieces:
                    self._file.write(piece)
                return [(start, self._file.tell() - start)]
            except OSError:      # no room or no temporary folder: memory it is, for this part and the next
                self._usable = False
        return pieces

    def write(self, kept: list, dst) -> None:
        for piece in kept:
            if not isinstance(piece, tuple):
                dst.write(piece)
                continue
            start, length = piece
            self._file.seek(start)
            while length:
                chunk = self._file.read(min(length, 1 << 20))
                if not chunk:
                    raise OSError("the temporary copy of a part ended early")
                dst.write(chunk)
                length -= len(chunk)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def q(local: str, ns: str = MAIN_NS) -> str:
    return f"{{{ns}}}{local}"


def parse(data: bytes, part: str) -> etree._Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise PatchUnsupported(f"{part} is not well-formed XML ({exc})") from None


_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def serialize(root: etree._Element) -> bytes:
    # The declaration as Excel writes it (lxml's own uses single quotes, also valid).
    return _DECLARATION + etree.tostring(root, encoding="UTF-8")


@dataclass(frozen=True)
class SheetEntry:
    """One tab of the workbook: its title, sheetId, zip part and position (localSheetId) in <sheets>."""

    title: str
    sheet_id: int
    part: str
    position: int


class Package:
    """The zip and the parts parsed so far; `save()` gives the package with the edited parts."""

    def __init__(self, data: bytes):
        try:
            self.zin = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise PatchUnsupported(f"not a zip package ({exc})") from None
        self.names = set(self.zin.namelist())
        self._trees: dict[str, etree._Element] = {}
        self._frozen: dict[str, list] = {}      # edited parts already serialised (in pieces), trees let go
        self._spill = _Spill()                  # where frozen parts wait for save()
        self._dirty: set[str] = set()
        self._removed: set[str] = set()
        self.workbook_part = self._workbook_part()
        workbook = self.tree(self.workbook_part)
        if workbook.tag != q("workbook"):
            raise PatchUnsupported("not a transitional SpreadsheetML workbook (strict OOXML or another format)")
        self.sheets = self._sheets(workbook)

    # ---- parts --------------------------------------------------------------------------------------

    def tree(self, part: str) -> etree._Element:
        if part in self._frozen:
            raise RuntimeError(f"{part} was already frozen (serialised); edit a part before freezing it")
        root = self._trees.get(part)
        if root is None:
            if part not in self.names:
                raise PatchUnsupported(f"the part {part} is missing")
            root = self._trees[part] = parse(self.zin.read(part), part)
        return root

    def has(self, part: str) -> bool:
        return (part in self.names or part in self._trees) and part not in self._removed

    def touch(self, part: str) -> None:
        """Mark a parsed part as edited, so save() writes its tree instead of the original bytes."""
        self._dirty.add(part)

    def freeze(self, part: str, splice: tuple[etree._Element, list[bytes]] | None = None) -> None:
        """An edited part is done: serialise it now and let its tree go. A sheet's tree costs about ten
        times its XML (an element, attributes and text nodes per cell), so a first cycle writing
        hundreds of thousands of cells kept every bot tab's tree alive until save() otherwise.
        `splice`: (a marker comment in the tree, the XML text that takes its place), so rows that were
        never parsed into the tree are written where the marker stands."""
        self._dirty.add(part)
        data = serialize(self._trees.pop(part))
        pieces = [data]
        if splice is not None:
            marker, texts = splice
            token = etree.tostring(marker)
            if data.count(token) != 1:
                raise PatchUnsupported(f"{part}: the place for the new rows was lost")
            at, view = data.index(token), memoryview(data)   # pieces, not one joined copy of the part
            pieces = [view[:at], *texts, view[at + len(token):]]
        self._frozen[part] = self._spill.keep(pieces)

    def _write_part(self, zout: zipfile.ZipFile, info: zipfile.ZipInfo | str) -> None:
        name = info if isinstance(info, str) else info.filename
        with zout.open(info, "w") as dst:
            if name in self._frozen:
                self._spill.write(self._frozen[name], dst)
            else:
                dst.write(serialize(self._trees[name]))

    def add(self, part: str, root: etree._Element, content_type: str) -> None:
        self._trees[part] = root
        self._dirty.add(part)
        types = self.tree("[Content_Types].xml")
        etree.SubElement(types, q("Override", CT_NS), PartName="/" + part, ContentType=content_type)
        self.touch("[Content_Types].xml")

    def remove(self, part: str) -> None:
        """Drop a part with its own relationships and its content-type override (callers drop the
        relationships that point at it)."""
        self._removed.add(part)
        self._removed.add(rels_part(part))
        types = self.tree("[Content_Types].xml")
        for override in types.findall(q("Override", CT_NS)):
            if override.get("PartName", "").lstrip("/") == part:
                types.remove(override)
                self.touch("[Content_Types].xml")

    def save(self) -> bytes:
        out = io.BytesIO()
        written = set()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in self.zin.infolist():
                name = info.filename
                if name in self._removed:
                    continue
                if name in self._dirty:
                    info.compress_type = zipfile.ZIP_DEFLATED
                    self._write_part(zout, info)
                else:
                    # Streamed, not read whole: the reps' own tabs are the biggest parts of the file (a
                    # 100,000-row log is over 100 MB of XML), and the bot does not change them.
                    with self.zin.open(info) as src, zout.open(info, "w") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                written.add(name)
            for name in sorted(self._dirty - written - self._removed):   # new parts
                self._write_part(zout, name)
        self._spill.close()
        return out.getvalue()

    # ---- relationships ------------------------------------------------------------------------------

    def relationships(self, part: str) -> list[etree._Element]:
        """The <Relationship> elements of a part ([] when it has none)."""
        rp = rels_part(part)
        if not self.has(rp):
            return []
        return self.tree(rp).findall(q("Relationship", PKG_REL_NS))

    def targets(self, part: str, type_suffix: str) -> list[str]:
        """The internal parts `part` points at with a relationship type ending in `type_suffix`."""
        return [resolve(part, rel.get("Target", "")) for rel in self.relationships(part)
                if rel.get("Type", "").endswith(type_suffix) and rel.get("TargetMode") != "External"]

    def sheet(self, title: str) -> SheetEntry | None:
        return next((s for s in self.sheets if s.title == title), None)

    def _workbook_part(self) -> str:
        if "_rels/.rels" in self.names:
            for rel in self.tree("_rels/.rels").findall(q("Relationship", PKG_REL_NS)):
                if rel.get("Type") == OFFICE_DOCUMENT:
                    return resolve("", rel.get("Target", ""))
        return "xl/workbook.xml"

    def _sheets(self, workbook: etree._Element) -> list[SheetEntry]:
        targets = {rel.get("Id"): resolve(self.workbook_part, rel.get("Target", ""))
                   for rel in self.relationships(self.workbook_part)}
        out = []
        sheets = workbook.find(q("sheets"))
        for position, sheet in enumerate([] if sheets is None else sheets.findall(q("sheet"))):
            part = targets.get(sheet.get(q("id", REL_NS)))
            try:
                sheet_id = int(sheet.get("sheetId", "0"))
            except ValueError:
                raise PatchUnsupported(f"the tab {sheet.get('name')!r} has a sheetId that is not a number") from None
            out.append(SheetEntry(sheet.get("name", ""), sheet_id, part or "", position))
        return out


def ooxml_escaped(text: str) -> str:
    """Text as a cell must hold it so that readers which decode the `_xHHHH_` escapes (Excel, calamine:
    `_x000D_` is a carriage return) read it back as it is: the underscore that starts such a sequence is
    itself escaped, `_x005F_` (what Excel writes for a typed `_x000D_`)."""
    return _ESCAPE_LIKE.sub("_x005F_", text) if "_x" in text else text


_ESCAPE_LIKE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def column_index(letters: str) -> int:
    """A -> 1, AA -> 27 (the 1-based number a worksheet's XML uses)."""
    return column_number(letters) + 1


def column_letters(index: int) -> str:
    """1 -> A, 27 -> AA (the 1-based index column_index gives back)."""
    return column_letter(index - 1)


def rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """A relationship's Target as a zip name: absolute ("/xl/x.xml") or relative to the source's folder."""
    target = unquote(target)
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))

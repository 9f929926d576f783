"""What openpyxl's full rewrite of a workbook would lose, found by comparing the package before and after.

The rewrite is the fallback for a file the bot cannot edit in place. Before using it the bot says what it
costs, truly: the list comes from the two packages themselves (parts that are gone, formulas whose cached
results are emptied, rich text flattened) and from openpyxl's own warnings, not from a fixed sentence.
The caller refuses the rewrite when it would empty the results cached for formulas in a rep tab.
"""
from __future__ import annotations

import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field

from bot.backends.xlsx_package import Package, PatchUnsupported, parse, q

# Part folders (or single parts) and what a person calls what they hold.
_KINDS = (
    ("xl/richData/", "pictures placed in cells"),
    ("xl/metadata.xml", "dynamic-array metadata (spilled formulas become fixed array formulas)"),
    ("xl/media/", "images"),
    ("xl/charts/", "charts"),
    ("xl/drawings/", "drawings (shapes, text boxes, pictures over cells)"),
    ("xl/threadedComments/", "threaded comments (replies)"),
    ("xl/persons/", "the authors of threaded comments"),
    ("xl/pivotTables/", "pivot tables"),
    ("xl/pivotCache/", "pivot caches"),
    ("xl/slicers/", "slicers"),
    ("xl/slicerCaches/", "slicer caches"),
    ("xl/timelines/", "timelines"),
    ("xl/externalLinks/", "links to other workbooks"),
    ("xl/queryTables/", "query tables"),
    ("xl/connections.xml", "data connections"),
    ("xl/ctrlProps/", "form controls"),
    ("xl/embeddings/", "embedded objects"),
    ("customXml/", "custom XML parts"),
)
# openpyxl's warnings, said in a person's words (others are passed on as they are).
_WARNINGS = {
    "Data Validation extension": "dropdowns kept as Excel 2010 extensions (e.g. lists taken from another tab)",
    "Conditional Formatting extension": "conditional formats kept as Excel 2010 extensions (data bars, icon sets)",
    "Slicer List extension": "slicers",
    "Unknown extension": "features Excel keeps as extensions",
}


@dataclass
class Losses:
    cached_results: dict[str, int] = field(default_factory=dict)   # tab -> formulas whose cached result empties
    other: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        items = [f"the cached results of {n} formula(s) in '{tab}' (blank to other programs until Excel "
                 f"recomputes them)" for tab, n in self.cached_results.items()] + self.other
        return "; ".join(items) if items else "nothing the bot can find"


def rewrite_losses(before: bytes, after: bytes, warnings: list[str]) -> Losses:
    losses = Losses(cached_results=cached_results(before))
    old, new = _kinds(before), _kinds(after)
    for prefix, label in _KINDS:
        if old[prefix] > new[prefix]:
            losses.other.append(label if new[prefix] == 0 else f"{label} ({old[prefix] - new[prefix]} of {old[prefix]})")
    with zipfile.ZipFile(io.BytesIO(before)) as zin:
        names = zin.namelist()
        if any(n.startswith("xl/comments") for n in names):
            losses.other.append("the size, position and formatting of comments (openpyxl writes them anew)")
        if "xl/sharedStrings.xml" in names:
            rich = _rich_text_count(zin.read("xl/sharedStrings.xml"))
            if rich:
                losses.other.append(f"the formatting within {rich} text cell(s) (rich text becomes plain)")
    seen = set()
    for text in warnings:
        plain = next((words for key, words in _WARNINGS.items() if key in text), None)
        if plain is None and "will be removed" not in text:
            continue   # not about something lost
        plain = plain or text
        if plain not in seen:
            seen.add(plain)
            losses.other.append(plain)
    return losses


def cached_results(data: bytes) -> dict[str, int]:
    """tab -> how many of its formula cells carry a cached result."""
    out: dict[str, int] = {}
    try:
        pkg = Package(data)
    except PatchUnsupported:
        return out
    for sheet in pkg.sheets:
        if not sheet.part or not pkg.has(sheet.part):
            continue
        try:
            root = pkg.tree(sheet.part)
        except PatchUnsupported:
            continue
        n = sum(1 for f in root.iter(q("f")) if f.getparent().find(q("v")) is not None)
        if n:
            out[sheet.title] = n
    return out


def _kinds(data: bytes) -> Counter:
    counts: Counter = Counter()
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        for name in zin.namelist():
            if name.endswith(".rels"):
                continue
            for prefix, _ in _KINDS:
                if name.startswith(prefix):
                    counts[prefix] += 1
    return counts


def _rich_text_count(shared_strings: bytes) -> int:
    try:
        root = parse(shared_strings, "xl/sharedStrings.xml")
    except PatchUnsupported:
        return 0
    return sum(1 for si in root.iter(q("si")) if si.find(q("r")) is not None)

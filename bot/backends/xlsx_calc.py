"""Keep xl/calcChain.xml true after the bot's edits.

The calculation chain lists every cell that holds a formula, in the order Excel last computed them. An
entry for a cell that no longer holds a formula (the bot put its own value back over a formula a person
typed in a bot column) makes Excel report the file as damaged and offer to repair it. So the entries of
edited tabs are renumbered for cells that moved (a Table's totals row kept last) and dropped for cells
without a formula; a chain left empty is removed with its relationship and content type, and Excel
builds a new one. The chain of every other tab is left as it was.
"""
from __future__ import annotations

from bot.backends.xlsx_package import PKG_REL_NS, Package, PatchUnsupported, q, rels_part


def keep_calc_chain_true(pkg: Package, edited: dict[int, tuple[dict[str, str], set[str]]]) -> None:
    """edited: sheetId -> (cells that moved {old ref: new ref}, cells holding a formula after the edit)."""
    if not edited:
        return
    for part in pkg.targets(pkg.workbook_part, "/calcChain"):
        if not pkg.has(part):
            continue
        chain = pkg.tree(part)
        changed, sheet, kept = False, None, 0
        for entry in list(chain):
            if entry.tag != q("c"):
                continue
            if entry.get("i"):
                try:
                    sheet = int(entry.get("i"))
                except ValueError:
                    raise PatchUnsupported(f"{part} names sheet {entry.get('i')!r}, not a number") from None
            elif sheet is not None:
                # i may be left out to mean "the sheet of the entry before"; written out so that dropping
                # that entry cannot move this one to another sheet.
                entry.set("i", str(sheet))
            if sheet in edited:
                moves, formulas = edited[sheet]
                ref = entry.get("r", "")
                new = moves.get(ref, ref)
                if new not in formulas:
                    chain.remove(entry)
                    changed = True
                    continue
                if new != ref:
                    entry.set("r", new)
                    changed = True
            kept += 1
        if kept == 0:
            _drop(pkg, part)
        elif changed:
            pkg.touch(part)


def _drop(pkg: Package, part: str) -> None:
    pkg.remove(part)
    rels_name = rels_part(pkg.workbook_part)
    rels = pkg.tree(rels_name)
    for rel in rels.findall(q("Relationship", PKG_REL_NS)):
        if rel.get("Type", "").endswith("/calcChain"):
            rels.remove(rel)
    pkg.touch(rels_name)

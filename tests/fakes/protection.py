"""Protected ranges: addProtectedRange, updateProtectedRange, deleteProtectedRange, and who may edit what.

A ProtectedRange covers a GridRange (a whole sheet when only sheetId is given; only a whole-sheet
protection may list unprotectedRanges). It answers with its protectedRangeId. Without `editors`, the
editors are the spreadsheet's owner and the account that asked (so the bot's service account can write
where it protected); with `warningOnly` there are no editors and API writes go through (the warning is a
UI dialog), and Google refuses editors on a warning-only range. A write (values, sortRange, ...) into a
protected cell by an account that is not an editor answers 400 "You are trying to edit a protected cell
or object...". The sheet's metadata lists them under sheets[].protectedRanges (fields=sheets.protectedRanges).

Tests set up a person's protection with `fake.protect(...)` (see below; the service account is an editor
unless `editors=` says otherwise), and move it as rows move (structure.py).

Simplifications: named-range and table protections are not modelled (501 via the discovery check is not
applicable, so the fake answers 400 saying so); a structural request (insert/delete/move/sort) on a tab
is refused when any non-warning protection on that tab excludes the requester, where Google refuses only
when the change touches protected cells; the wording of the refusals other than the protected-cell one
is the fake's, in Google's "Invalid requests[i].kind: ..." frame.
"""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Iterable

from .errors import PROTECTED_MESSAGE, ApiError
from .fields import mask_leaves, parse_fields

if TYPE_CHECKING:
    from .grid import Tab


def _overlaps(rng: dict, r0: int, r1: int, c0: int, c1: int) -> bool:
    """Whether a GridRange (open ends unbounded) meets rows r0..r1-1, columns c0..c1-1."""
    return (rng.get("startRowIndex", 0) < r1 and (rng.get("endRowIndex") is None or r0 < rng["endRowIndex"])
            and rng.get("startColumnIndex", 0) < c1 and (rng.get("endColumnIndex") is None
                                                         or c0 < rng["endColumnIndex"]))


def _inside(rng: dict, r0: int, r1: int, c0: int, c1: int) -> bool:
    return (rng.get("startRowIndex", 0) <= r0 and (rng.get("endRowIndex") is None or r1 <= rng["endRowIndex"])
            and rng.get("startColumnIndex", 0) <= c0 and (rng.get("endColumnIndex") is None
                                                          or c1 <= rng["endColumnIndex"]))


class ProtectionRequests:
    """Mixed into FakeSheets."""

    REQUEST_KINDS = {
        "addProtectedRange": "_add_protected_range",
        "updateProtectedRange": "_update_protected_range",
        "deleteProtectedRange": "_delete_protected_range",
    }

    # -- for tests -----------------------------------------------------------------------------------

    def protect(self, title: str, a1_range: str | None = None, *, editors: Iterable[str] | None = None,
                warning_only: bool = False, description: str = "", unprotected: Iterable[str] = ()) -> dict:
        """A person protects a range of a tab (or the whole tab) in the UI; returns the ProtectedRange.
        `editors` defaults to the owner and every service account the fake trusts."""
        tab = self.tab(title)
        rng = self._grid_of(tab, a1_range)
        pr: dict[str, Any] = {"range": rng, "description": description, "warningOnly": warning_only}
        if not warning_only:
            users = [self.owner_email, *self._trusted] if editors is None else list(editors)
            pr["editors"] = {"users": users}
        if unprotected:
            pr["unprotectedRanges"] = [self._grid_of(tab, a1) for a1 in unprotected]
        self.touch()
        self._store_protected(None, pr, None)
        return copy.deepcopy(self.protected_ranges[-1])

    def _grid_of(self, tab: "Tab", a1: str | None) -> dict:
        rng: dict[str, Any] = {"sheetId": tab.sheet_id}
        if a1:
            parsed = self._parse_range(f"{a1}" if "!" in a1 else f"'{tab.title}'!{a1}")
            for key, value in zip(("startRowIndex", "startColumnIndex"), (parsed.r0, parsed.c0)):
                if value is not None:
                    rng[key] = value
            for key, value in zip(("endRowIndex", "endColumnIndex"), (parsed.r1, parsed.c1)):
                if value is not None:
                    rng[key] = value + 1
        return rng

    # -- requests ------------------------------------------------------------------------------------

    def _store_protected(self, i: int | None, pr: dict, requester: str | None) -> dict:
        where = f"Invalid requests[{i}].addProtectedRange: " if i is not None else ""
        if "namedRangeId" in pr or "tableId" in pr:
            raise ApiError(400, where + "The fake models protected grid ranges only (not named ranges or tables).")
        rng = pr.get("range")
        if not rng or self._by_id(rng.get("sheetId", 0)) is None:
            raise ApiError(400, where + f"No grid with id: {(rng or {}).get('sheetId', 0)}")
        whole_sheet = set(rng) <= {"sheetId"}
        if pr.get("unprotectedRanges") and not whole_sheet:
            raise ApiError(400, where + "Unprotected ranges are only supported when protecting a whole sheet.")
        if pr.get("warningOnly") and pr.get("editors"):
            raise ApiError(400, where + "You cannot specify editors for a warning-only protected range.")
        pid = pr.get("protectedRangeId")
        if pid is not None and any(p["protectedRangeId"] == pid for p in self.protected_ranges):
            raise ApiError(400, where + f"A protected range with id {pid} already exists.")
        stored = copy.deepcopy(pr)
        stored.setdefault("range", {"sheetId": 0})
        stored["protectedRangeId"] = self._new_object_id() if pid is None else int(pid)
        stored["warningOnly"] = bool(stored.get("warningOnly"))
        if not stored["warningOnly"] and "editors" not in stored:
            stored["editors"] = {"users": [u for u in (self.owner_email, requester) if u]}
        self.protected_ranges.append(stored)
        return self._protected_view(stored)

    def _protected_view(self, pr: dict) -> dict:
        """A ProtectedRange as Google shows it to the requester (defaults left out, requestingUserCanEdit)."""
        out = {k: copy.deepcopy(v) for k, v in pr.items() if v not in (None, "", False, [], {})}
        out["requestingUserCanEdit"] = self._can_edit(pr, self.requester)
        if not out["requestingUserCanEdit"]:
            out.pop("editors", None)          # Google shows editors only to those who may edit
            out.pop("requestingUserCanEdit")
        return out

    def _add_protected_range(self, i: int, args: dict) -> dict:
        return {"addProtectedRange": {"protectedRange": self._store_protected(i, args.get("protectedRange") or {},
                                                                              self.requester)}}

    def _find_protected(self, i: int, kind: str, pid: Any) -> dict:
        for pr in self.protected_ranges:
            if pr["protectedRangeId"] == pid:
                if not self._can_edit(pr, self.requester) and not pr["warningOnly"]:
                    raise ApiError(400, f"Invalid requests[{i}].{kind}: {PROTECTED_MESSAGE}")
                return pr
        raise ApiError(400, f"Invalid requests[{i}].{kind}: No protected range with id: {pid}")

    def _update_protected_range(self, i: int, args: dict) -> dict:
        new = args.get("protectedRange") or {}
        pr = self._find_protected(i, "updateProtectedRange", new.get("protectedRangeId"))
        mask = args.get("fields")
        if not mask:
            raise ApiError(400, f"Invalid requests[{i}].updateProtectedRange: At least one field must be updated, "
                                "but none are specified.")
        leaves = mask_leaves(parse_fields(mask))
        names = ["range", "description", "warningOnly", "editors", "unprotectedRanges"] if "*" in leaves else \
            sorted({leaf.split(".")[0] for leaf in leaves})
        candidate = copy.deepcopy(pr)
        for name in names:
            if name in ("protectedRangeId", "requestingUserCanEdit"):
                continue
            if name not in ("range", "description", "warningOnly", "editors", "unprotectedRanges"):
                raise ApiError(400, f"Invalid requests[{i}].updateProtectedRange: Invalid field mask: {name}")
            if name in new:
                candidate[name] = copy.deepcopy(new[name])
            else:
                candidate.pop(name, None)
        if candidate.get("warningOnly"):
            if "editors" in names and candidate.get("editors"):
                raise ApiError(400, f"Invalid requests[{i}].updateProtectedRange: You cannot specify editors for a "
                                    "warning-only protected range.")
            candidate.pop("editors", None)
        elif "editors" not in candidate:
            candidate["editors"] = {"users": [u for u in (self.owner_email, self.requester) if u]}
        if candidate.get("unprotectedRanges") and not set(candidate.get("range") or {}) <= {"sheetId"}:
            raise ApiError(400, f"Invalid requests[{i}].updateProtectedRange: Unprotected ranges are only supported "
                                "when protecting a whole sheet.")
        pr.clear()
        pr.update(candidate)
        return {}

    def _delete_protected_range(self, i: int, args: dict) -> dict:
        pr = self._find_protected(i, "deleteProtectedRange", args.get("protectedRangeId"))
        self.protected_ranges.remove(pr)
        return {}

    # -- enforcement ---------------------------------------------------------------------------------

    def _can_edit(self, pr: dict, who: str) -> bool:
        if pr.get("warningOnly") or who == self.owner_email:
            return True
        editors = pr.get("editors") or {}
        return who in (editors.get("users") or []) or bool(editors.get("domainUsersCanEdit"))

    def _check_cells_editable(self, i: int | None, kind: str, tab: "Tab", r0: int, r1: int, c0: int, c1: int) -> None:
        for pr in self.protected_ranges:
            rng = pr["range"]
            if rng.get("sheetId", 0) != tab.sheet_id or self._can_edit(pr, self.requester):
                continue
            if not _overlaps(rng, r0, r1, c0, c1):
                continue
            if any(_inside(u, r0, r1, c0, c1) for u in pr.get("unprotectedRanges") or []):
                continue
            prefix = f"Invalid requests[{i}].{kind}: " if i is not None else ""
            raise ApiError(400, prefix + PROTECTED_MESSAGE)

    def _check_structure_allowed(self, i: int, kind: str, tab: "Tab") -> None:
        self._check_cells_editable(i, kind, tab, 0, tab.rows, 0, tab.cols)

    def _new_object_id(self) -> int:
        self._next_object_id += 1
        return 1_100_000_000 + self._next_object_id * 104_729

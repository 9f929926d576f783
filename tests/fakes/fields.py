"""Google's `fields` masks (partial responses and update masks)."""
from __future__ import annotations

import re
from typing import Any

from .errors import ApiError


def parse_fields(mask: str) -> dict:
    """`a.b(c,d),e` -> {"a": {"b": {"c": None, "d": None}}, "e": None} (None = the whole value)."""
    return _MaskParser(mask).parse_list(None)


class _MaskParser:
    """A class, not a closure that calls itself: such a closure is a reference cycle at each request, and
    the bot's tests check that a cycle leaves none (tests/test_collector.py)."""

    def __init__(self, mask: str):
        self.mask, self.pos = mask, 0

    def parse_list(self, end: str | None) -> dict:
        mask = self.mask
        tree: dict = {}
        while self.pos < len(mask):
            if end and mask[self.pos] == end:
                self.pos += 1
                return tree
            if mask[self.pos] in ", ":
                self.pos += 1
                continue
            path = re.match(r"[A-Za-z0-9_*]+(?:\.[A-Za-z0-9_*]+)*", mask[self.pos:])
            if not path:
                raise ApiError(400, f"Invalid field selection {mask}")
            self.pos += path.end()
            names = path.group(0).split(".")
            sub: dict | None = None
            if self.pos < len(mask) and mask[self.pos] == "(":
                self.pos += 1
                sub = self.parse_list(")")
            node = tree
            for name in names[:-1]:
                node = node.setdefault(name, {}) if node.get(name, {}) is not None else {}
            last = names[-1]
            if last in node and node[last] is not None and sub is not None:
                node[last].update(sub)
            elif last not in node or sub is None:
                node[last] = sub
        return tree


def apply_fields(value: Any, tree: dict | None) -> Any:
    if tree is None or "*" in tree:
        return value
    if isinstance(value, list):
        return [apply_fields(v, tree) for v in value]
    if isinstance(value, dict):
        return {k: apply_fields(value[k], sub) for k, sub in tree.items() if k in value}
    return value



def mask_leaves(tree: dict, prefix: str = "") -> list[str]:
    """The dotted paths a parsed mask names: {"a": {"b": None}} -> ["a.b"]."""
    out = []
    for name, sub in tree.items():
        path = f"{prefix}{name}"
        out.extend([path] if sub is None else mask_leaves(sub, path + "."))
    return out

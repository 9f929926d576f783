"""Google's `fields` masks (partial responses and update masks)."""
from __future__ import annotations

import re
from typing import Any

from .errors import ApiError


def parse_fields(mask: str) -> dict:
    """`a.b(c,d),e` -> {"a": {"b": {"c": None, "d": None}}, "e": None} (None = the whole value)."""
    pos = 0

    def parse_list(end: str | None) -> dict:
        nonlocal pos
        tree: dict = {}
        while pos < len(mask):
            if end and mask[pos] == end:
                pos += 1
                return tree
            if mask[pos] in ", ":
                pos += 1
                continue
            path = re.match(r"[A-Za-z0-9_*]+(?:\.[A-Za-z0-9_*]+)*", mask[pos:])
            if not path:
                raise ApiError(400, f"Invalid field selection {mask}")
            pos += path.end()
            names = path.group(0).split(".")
            sub: dict | None = None
            if pos < len(mask) and mask[pos] == "(":
                pos += 1
                sub = parse_list(")")
            node = tree
            for name in names[:-1]:
                node = node.setdefault(name, {}) if node.get(name, {}) is not None else {}
            last = names[-1]
            if last in node and node[last] is not None and sub is not None:
                node[last].update(sub)
            elif last not in node or sub is None:
                node[last] = sub
        return tree

    return parse_list(None)


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

"""Edits by a person between the bot's requests: `fake.before_request(...)` / `fake.after_request(...)`.

    # after the bot's read and before its write, a lead sorts Escalations
    fake.before_request("values:batchUpdate", lambda f: f.person.sort("Escalations", "Product"))
    # the 2nd batchGet the bot sends is answered, then a rep deletes row 5 of the Defective Log
    fake.after_request("values:batchGet", lambda f: f.person.delete_rows("Defective Log", 5), nth=2)

What to match: a request kind as `Logged.kind` names it ("metadata", "batchGet", "values:batchUpdate",
"batchUpdate", "values:append", "developerMetadata:search", "values:batchGetByDataFilter",
"values:batchUpdateByDataFilter", "values:get", "values:update", "values:clear", "developerMetadata:get",
"drive"), with the aliases "values:batchGet", ":batchUpdate",
"spreadsheets:batchUpdate", "spreadsheets.get", "write" (any write request), "read" (any read request)
and "*" (any Sheets API request); or any predicate on the `Logged` request. `nth` (1 = the first match)
says which matching request fires the action first, `times` how many matching requests in a row fire it.

queue_error / queue_exception take the same kind strings as `match`, so a test can say "the lead sorts,
then Google answers the bot's write 503": before_request("values:batchUpdate", ...) and
queue_error(503, match="values:batchUpdate").

A before-hook runs when the request arrives, before queued faults (queue_error / queue_exception) and
before the fake answers: the edit happened while the request was in flight, whether or not Google then
fails it, so a retried request does not fire a times=1 hook again. An after-hook runs once the answer is
computed and before it is sent, so the answer does not see the edit (a faulted request's after-hooks run
too). `fake.pending_hooks()` lists the hooks that have not fired all their times, for a test to assert
that its scenario happened.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .sheets import Logged

ALIASES = {"values:batchGet": "batchGet", ":batchUpdate": "batchUpdate", "spreadsheets:batchUpdate": "batchUpdate",
           "spreadsheets.get": "metadata"}
READS = ("metadata", "batchGet", "developerMetadata:search", "developerMetadata:get", "values:batchGetByDataFilter",
         "values:get")


def matcher(what: str | Callable[["Logged"], bool]) -> Callable[["Logged"], bool]:
    if callable(what):
        return what
    kind = ALIASES.get(what, what)
    if kind == "*":
        return lambda e: e.kind not in ("token", "drive")
    if kind == "write":
        return lambda e: e.is_write
    if kind == "read":
        return lambda e: e.kind in READS
    return lambda e: e.kind == kind


@dataclass
class Hook:
    what: Any
    match: Callable[["Logged"], bool]
    action: Callable[..., Any]
    when: str               # "before" | "after"
    skip: int               # matching requests still to let through before the first firing
    times: int              # firings left

    def run(self, fake: Any, entry: "Logged") -> None:
        takes_entry = len(inspect.signature(self.action).parameters) >= 2
        self.action(fake, entry) if takes_entry else self.action(fake)


class Hooks:
    """Mixed into FakeSheets."""

    def before_request(self, what: str | Callable[["Logged"], bool], action: Callable[..., Any], *,
                       times: int = 1, nth: int = 1) -> Hook:
        """Run `action(fake)` (or `action(fake, request)`) when a matching request arrives, before it is answered."""
        return self._add_hook(what, action, "before", times, nth)

    def after_request(self, what: str | Callable[["Logged"], bool], action: Callable[..., Any], *,
                      times: int = 1, nth: int = 1) -> Hook:
        """Run `action` once a matching request's answer is computed (the answer does not see the edit)."""
        return self._add_hook(what, action, "after", times, nth)

    def pending_hooks(self) -> list[Hook]:
        return [h for h in self._hooks if h.times > 0]

    def _add_hook(self, what, action, when: str, times: int, nth: int) -> Hook:
        if times < 1 or nth < 1:
            raise ValueError("times and nth count from 1")
        hook = Hook(what, matcher(what), action, when, nth - 1, times)
        self._hooks.append(hook)
        return hook

    def _run_hooks(self, entry: "Logged", when: str) -> None:
        for hook in list(self._hooks):
            if hook.when != when or hook.times <= 0 or not hook.match(entry):
                continue
            if hook.skip:
                hook.skip -= 1
                continue
            hook.times -= 1
            entry.hooks_run.append(f"{when}: {hook.what if isinstance(hook.what, str) else 'predicate'}")
            hook.run(self, entry)

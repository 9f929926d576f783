"""Which tickets are ready for a customer reply, the reply itself, and the Drafts tab it belongs in.

A draft is ready for a Defective Log row with no error, Status Open, and a Comp Sheet row (with no
error) showing the work done: a Replacement with a replacement order number and a tracking number,
or a Refund with an amount and a processed date.
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

import jinja2
import numpy as np
from jinja2.sandbox import SandboxedEnvironment

from bot.read import cells
from bot.errors import TemplateError
from bot.tabs.bot_memory import short_key
from bot.read.table import update_row
from bot.tabs.log_issues import HAS_ERROR, TICKET_KEY, Validation
from bot.read.keys import ticket_key
from sheet_schema import load

DRAFTS = load("drafts")

# Every character str.splitlines breaks at. A field is one line of the email (a name, a ticket, a
# product): a line break typed into it would cut the Subject line short and change the body.
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")

TEMPLATES = {  # resolution -> (template title shown in the Drafts tab, file name)
    "Replacement": ("Replacement Shipped", "replacement_shipped.txt.j2"),
    "Refund": ("Refund Processed", "refund_processed.txt.j2"),
}
REQUEST_TEMPLATE = "defective_product_request.txt.j2"


@dataclass(frozen=True)
class Draft:
    ticket_id: str
    template: str
    to: str
    subject: str
    body: str
    source_hash: str = ""
    rendered: bool = True
    key: str = ""           # the record's key when it is not the ticket's (a follow-up)


def default_template_dir() -> Path:
    return Path(str(resources.files("templates")))


class Renderer:
    """Renders the email templates in a sandbox: customer text is shown as typed, never evaluated,
    and a template that names a field that does not exist is an error, not a silent blank."""

    def __init__(self, template_dir: Path | None = None, signoff: str = "Customer Care Team"):
        self.template_dir = template_dir or default_template_dir()
        self.signoff = signoff
        self._sources: dict[str, bytes | None] = {}      # each template file's bytes, read once (None: missing)
        self._template_digests: dict[str, str] = {}
        self._templates: dict[str, jinja2.Template] = {}   # loaded once per Renderer (one per cycle)
        self._globals: dict[str, dict] = {}                 # each template's globals (range, dict, …) copied once

    def source_hash(self, file_name: str, fields: dict) -> str:
        """What a draft is made from: the template's text, the fields and the sign-off."""
        return self.source_hashes([file_name], [fields])[0]

    def source_hashes(self, file_names: list[str], fields: list[dict]) -> list[str]:
        """`source_hash` of many drafts: the fields made storable column by column (one check of each
        field's column instead of one per draft), grouped by which fields a draft has."""
        for file_name in set(file_names):
            self._digest(file_name)
        out: list[str] = [""] * len(fields)
        groups: dict[tuple, list[int]] = {}
        for i, f in enumerate(fields):
            groups.setdefault(tuple(sorted(f)), []).append(i)
        signoff = repr(self.signoff)
        digests = {name: repr(self._template_digests[name]) for name in set(file_names)}
        for keys, at in groups.items():
            # Fields as a sheet can store them, so both backends agree on the hash of the same case.
            stored = [cells.storables([fields[i][k] for i in at]) for k in keys]
            # What is hashed is repr((template digest, sign-off, [(field, value), ...])), spelled out
            # here a column at a time: the same text, without a tuple and a list made for every draft.
            pairs = [[f"({k!r}, {v})" for v in map(repr, column)] for k, column in zip(keys, stored)]
            for i, row in zip(at, zip(*pairs) if pairs else [()] * len(at)):
                key = f"({digests[file_names[i]]}, {signoff}, [{', '.join(row)}])"
                out[i] = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return out

    def _source(self, file_name: str) -> bytes | None:
        """The template file's bytes, read once per Renderer (one per cycle): what it is digested from
        and compiled from are the same, even if the file changes during the cycle."""
        if file_name not in self._sources:
            path = Path(self.template_dir) / file_name
            self._sources[file_name] = path.read_bytes() if path.is_file() else None
        return self._sources[file_name]

    def _digest(self, file_name: str) -> str:
        """The template file's content, digested once per Renderer."""
        digest = self._template_digests.get(file_name)
        if digest is None:
            digest = self._template_digests[file_name] = hashlib.sha256(self._source(file_name) or b"").hexdigest()
        return digest

    def render(self, file_name: str, fields: dict) -> tuple[str, str]:
        """(subject, body) of one email."""
        return self._render(file_name, fields, _one_line_each(fields))

    def render_many(self, file_names: list[str], fields: list[dict]) -> list[tuple[str, str]]:
        """`render` of many emails, with one look at all their fields for a line break (usually none)."""
        none = _LINE_BREAKS.search("".join([v for f in fields for v in f.values() if type(v) is str])) is None
        return [self._render(name, f, none or _one_line_each(f)) for name, f in zip(file_names, fields)]

    def _render(self, file_name: str, fields: dict, one_line_each: bool) -> tuple[str, str]:
        if not one_line_each:
            fields = {k: _LINE_BREAKS.sub(" ", v) if isinstance(v, str) else v for k, v in fields.items()}
        template = self._template(file_name)
        try:
            text = _rendered(template, {**self._globals[file_name], **fields, "signoff": self.signoff})
        except jinja2.UndefinedError as exc:
            raise TemplateError(file_name, f"The template {file_name} uses a field that does not exist "
                                           f"({exc.message}): use only {', '.join(sorted(fields))}.") from exc
        except jinja2.exceptions.SecurityError as exc:
            raise TemplateError(file_name, f"The template {file_name} tries something unsafe ({exc}): "
                                           f"use only plain fields.") from exc
        first, _, rest = text.partition("\n")
        if not first.lower().startswith("subject:"):
            raise TemplateError(file_name, f"The template {file_name} must start with a 'Subject:' line.")
        # Both trimmed of the whitespace around them, as the next cycle reads the cells back (cells.as_text).
        return first[len("subject:"):].strip(), rest.strip()

    def _template(self, file_name: str) -> jinja2.Template:
        # Loaded once per Renderer: jinja would otherwise check the file at every render. A cycle makes its
        # own Renderer, so an edited template (other bytes) is still picked up by the next cycle.
        template = self._templates.get(file_name)
        if template is None:
            try:
                source = self._source(file_name)
                if source is None:
                    raise jinja2.TemplateNotFound(file_name)
                template = self._templates[file_name] = _compiled(str(self.template_dir), file_name, source)
                self._globals[file_name] = dict(template.globals)
            except jinja2.TemplateNotFound as exc:
                raise TemplateError(file_name, f"The template {file_name} is missing from {self.template_dir}: "
                                               f"restore it or fix templates.dir in the config.") from exc
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(file_name, f"The template {file_name} has a syntax error on line "
                                               f"{exc.lineno} ({exc.message}): fix the template.") from exc
        return template


def _rendered(template: jinja2.Template, names: dict) -> str:
    """`template.render(**fields)`, given the fields with the template's globals already in `names`:
    render copies its globals (a ChainMap, key by key) for every email, half of a short email's time
    (10,000 drafts: 76 ms against 35). Errors are raised as render raises them."""
    try:
        return template.environment.concat(template.root_render_func(template.new_context(names, shared=True)))
    except Exception:
        template.environment.handle_exception()
        raise   # handle_exception raises; this only tells a reader (and a type checker) so


@functools.lru_cache(maxsize=32)
def _compiled(template_dir: str, file_name: str, source: bytes) -> jinja2.Template:
    """A template compiled once for the process for each content it has had (`source`, the bytes the
    Renderer read and digested), not at every cycle: a compiled template is a reference cycle (its
    functions and their module), and a cycle should leave none behind (bot.cycle.run.collector_paused).
    Keyed by content, not by jinja's modification time check, so an edit is seen however soon it follows
    the last cycle. Other templates it includes come from the folder, as before."""
    path = str(Path(template_dir) / file_name)

    def this_source(name: str):
        return (source.decode("utf-8"), path, lambda: True) if name == file_name else None
    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader([jinja2.FunctionLoader(this_source), jinja2.FileSystemLoader(template_dir)]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        cache_size=0,     # this function is the cache
    )
    return env.get_template(file_name)


def _one_line_each(fields: dict) -> bool:
    """No field holds a line break (the common case, checked over the fields' texts joined)."""
    return _LINE_BREAKS.search("".join([v for v in fields.values() if type(v) is str])) is None


def product_spellings(products, product_key: Callable[[str], str]) -> dict[str, str]:
    """Each spelling of a product in the log, mapped to the spelling the log uses most for that product
    (the first one seen wins a tie). Reps type "trail mix original 12 oz" now and then; the customer's
    email should name the product as the brand does. `product_key` tells which spellings are one product
    (recurrence's, so aliases count too)."""
    return spellings_by_count(Counter(p for p in products if p), product_key)    # in first-seen order


def spellings_by_count(counts: dict[str, int], product_key: Callable[[str], str]) -> dict[str, str]:
    """product_spellings from how often the log uses each spelling (in the order first seen)."""
    keys = {spelling: product_key(spelling) for spelling in counts}
    best: dict[str, tuple[int, str]] = {}
    for spelling, n in counts.items():
        key = keys[spelling]
        if key and n > best.get(key, (0, ""))[0]:
            best[key] = (n, spelling)
    return {spelling: best[key][1] if (key := keys[spelling]) in best else spelling for spelling in counts}


def ready_drafts(v: Validation, renderer: Renderer, skip: set[str] = frozenset(),
                 current: dict[str, dict] | None = None, spellings: dict[str, str] | None = None) -> list[Draft]:
    """A draft for every ready ticket, in log order, except tickets in `skip` (a rep has taken their
    draft over). A ticket whose `current` draft row was made from the same fields (same Source Hash)
    keeps that row's text without rendering it again: only new or changed drafts are rendered.
    `spellings` (see product_spellings) names each product as the log mostly spells it."""
    current = current or {}
    spellings = spellings or {}
    log, comp = v.log, v.comp
    cpos = log["comp_pos"].to_numpy(dtype=np.int64)
    ready = (~log[HAS_ERROR].to_numpy(dtype=bool)) & (log["status"].to_numpy() == "Open") & (cpos >= 0)
    if skip:
        ready &= ~log[TICKET_KEY].isin(list(skip)).to_numpy()
    at = np.flatnonzero(ready)
    joined = cpos[at]
    ok = (~comp[HAS_ERROR].to_numpy(dtype=bool)[joined]) & \
        (comp["type"].to_numpy()[joined] == log["resolution"].to_numpy()[at])
    at, joined = at[ok], joined[ok]
    made: list[_Ready] = []
    for row, c in zip(_records(log, at, _LOG_FIELDS), _records(comp, joined, _COMP_FIELDS)):
        fields = _fields(row, c)
        if fields is None:
            continue
        fields["product"] = spellings.get(fields["product"], fields["product"])
        made.append(_Ready(row[TICKET_KEY], row["ticket_id"], row["customer_email"], fields,
                           *TEMPLATES[row["resolution"]]))
    made_from = renderer.source_hashes([m.template for m in made], [m.fields for m in made])
    # A draft row made from the same fields keeps its text when the text still matches its check.
    kept = [j for j, m in enumerate(made) if m.key in current]
    texts: list[tuple[str, str] | None] = [None] * len(made)
    if kept:
        have = [current[made[j].key] for j in kept]
        subjects = [cells.as_text(h.get("subject")) for h in have]
        bodies = [cells.as_text(h.get("body")) for h in have]
        seals = _seals([made_from[j] for j in kept], subjects, bodies)
        for j, h, subject, body, seal in zip(kept, have, subjects, bodies, seals):
            if cells.as_text(h.get("source_hash")) == seal:
                texts[j] = (subject, body)
    fresh = [j for j, t in enumerate(texts) if t is None]
    for j, text in zip(fresh, renderer.render_many([made[j].template for j in fresh], [made[j].fields for j in fresh])):
        texts[j] = text
    seal_of = dict(zip(fresh, _seals([made_from[j] for j in fresh], [texts[j][0] for j in fresh],
                                     [texts[j][1] for j in fresh])))
    drafts = []
    for j, m in enumerate(made):
        subject, body = texts[j]
        rendered = j in seal_of
        seal = seal_of[j] if rendered else cells.as_text(current[m.key].get("source_hash"))
        drafts.append(Draft(m.ticket_id, m.title, m.email, subject, body, seal, rendered))
    return drafts


class _Ready(NamedTuple):
    """A ticket ready for its draft: what the draft needs of its log row (a tuple, not the row: a first
    cycle makes tens of thousands)."""

    key: str             # TICKET_KEY
    ticket_id: str
    email: str
    fields: dict
    title: str
    template: str        # file name


def _seal(made_from: str, subject: str, body: str) -> str:
    """The Source Hash: what the draft was made from, and a check of the text it holds. A Subject or
    Body someone cleared or overtyped (Status still blank, so the bot owns it) no longer matches its
    check, and the draft is rendered again instead of keeping the edit."""
    return _seals([made_from], [subject], [body])[0]


def _seals(made_from: list[str], subjects: list[str], bodies: list[str]) -> list[str]:
    """`_seal` over columns: the texts made storable column by column."""
    # As the sheet will hold the text, so a draft read back matches the check it was written with.
    held = map("\x00".join, zip(map(str.strip, cells.storables(subjects)), map(str.strip, cells.storables(bodies))))
    return [f"{m}-{hashlib.sha256(h.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}" for m, h in zip(made_from, held)]


_LOG_FIELDS = ("ticket_id", "customer_name", "customer_email", "order_number", "product", "defect_type",
               "units_affected", "agent", "resolution", TICKET_KEY)
_COMP_FIELDS = ("replacement_order_number", "tracking_number", "refund_amount", "refund_processed_on")


def _records(frame, positions: np.ndarray, keys: tuple[str, ...]) -> Iterator[dict]:
    """The rows at `positions`, as {column: plain Python value}, read column by column (pandas'
    to_dict("records") boxes every cell one by one, and 10,000 drafts are a normal first cycle), and
    made one at a time: the caller keeps only what it needs of each."""
    columns = [frame[k].to_numpy()[positions].tolist() for k in keys]
    return (dict(zip(keys, values)) for values in zip(*columns))


def greeting_name(customer_name: str) -> str:
    """The first word of Customer Name, as the greeting shows it: capitalised when the rep typed it all
    lower-case ("bob smith" -> "Bob", "mary-jane" -> "Mary-Jane"); any other spelling stays as typed
    ("DeShawn", "ANA")."""
    first = customer_name.split()[0]
    return first.title() if first.islower() else first


def _fields(row, comp) -> dict | None:
    """Template fields, or None when the Comp Sheet does not show the work done yet."""
    fields = {
        "ticket_id": row["ticket_id"],
        "customer_name": row["customer_name"],
        "first_name": greeting_name(row["customer_name"]),
        "order_number": row["order_number"],
        "product": row["product"],
        "defect_type": row["defect_type"],
        "units": row["units_affected"],
        "agent": row["agent"],
    }
    if row["resolution"] == "Replacement":
        if not comp["replacement_order_number"] or not comp["tracking_number"]:
            return None
        fields["replacement_order_number"] = comp["replacement_order_number"]
        fields["tracking_number"] = comp["tracking_number"]
    else:
        if comp["refund_amount"] is None or comp["refund_processed_on"] is None:
            return None
        fields["refund_amount"] = cells.format_money(comp["refund_amount"])
        fields["refund_processed_on"] = cells.format_long_date(comp["refund_processed_on"])
    return fields


def desired_drafts(current_rows: list[dict], drafts: list[Draft], stamp: str, key_of) -> list[dict]:
    """The Drafts tab as it should be: existing rows in place, new drafts appended.

    A row whose Status a rep has set is never changed. A row whose ticket is no longer ready stays as
    last written (the bot never deletes a row people may be working from). Drafted At is set once.
    """
    rows = [dict(r) for r in current_rows]
    where = {}
    for i, r in enumerate(rows):
        where.setdefault(key_of(r), i)
    for d in drafts:
        content = {"ticket_id": d.ticket_id, "template": d.template, "to": d.to,
                   "subject": d.subject, "body": d.body, "source_hash": d.source_hash}
        key = d.key or short_key(ticket_key(d.ticket_id))
        i = where.get(key)
        if i is None:
            rows.append({**content, "drafted_at": stamp})
            where[key] = len(rows) - 1
        elif cells.is_blank(rows[i].get("status")):
            update_row(DRAFTS, rows[i], {**content, "drafted_at": stamp})
    return rows

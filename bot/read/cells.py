"""How one cell is read, the way a rep would expect. Pure scalar functions, one per column type.

Every parser takes a raw cell value (str, int, float, bool, datetime, date, None) and returns
`(value, problem)`: the parsed value and None, or None and a short sentence about what is wrong.
Blank cells are handled by the caller (`is_blank`), so parsers only see filled cells.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import compress, product
from operator import not_

import numpy as np
import pandas as pd

SERIAL_EPOCH = date(1899, 12, 30)  # spreadsheet day 0 (Lotus/Excel/Sheets convention)
MAX_SERIAL = (date(9999, 12, 31) - SERIAL_EPOCH).days
SHOWN_VALUE_MAX = 60  # problems quote the cell, shortened so a Log Issues row stays readable
# The longest text the bot writes into a cell: Excel's limit (Google's is 50,000), counted as Excel counts,
# in UTF-16 code units. Both backends must store the very same value, or a quiet cycle would rewrite it.
MAX_STORED_CHARS = 32767
ELLIPSIS = "\u2026"

MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")],
        start=1,
    )
    for name in names
}
_TIME = r"(?:(?:[ T]|\s+at\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[ap]\.?m\.?)?)?"
# A weekday in front ("Tuesday, November 3, 2026") is allowed, and must be the date's weekday.
_WEEKDAY = r"(?:([a-z]+)\.?,?\s+)?"
# Year first is always year-month-day (2026-11-03, 2026/11/03, 2026.11.03); the separator is one kind.
_YMD = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME + r"$", re.I)
# Day and month in numbers (11/3/2026, 11-03-2026, 11.3.2026, 11/3/26): the setting says which is first.
_NUMERIC = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})" + _TIME + r"$", re.I)
# The month in words: "Nov 3, 2026", "Tuesday, November 3rd 2026", "3 Nov 2026", "3-Nov-26" (Excel's d-mmm-yy).
_MONTH_DAY = re.compile(_WEEKDAY + r"([a-z]+)\.?[\s-]+(\d{1,2})(?:st|nd|rd|th)?,?[\s-]+(\d{4})" + _TIME + r"$", re.I)
_DAY_MONTH = re.compile(_WEEKDAY + r"(\d{1,2})(?:st|nd|rd|th)?[\s-]+(?:of\s+)?([a-z]+)\.?,?[\s-]+(\d{4}|\d{2})"
                        + _TIME + r"$", re.I)
# What a rep types when the year is left off ("Nov 3", "3 Nov", "11/3"): said so in the problem.
_NO_YEAR = re.compile(r"(?:[a-z]+\.?,?\s+)?(?:[a-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[a-z]+\.?"
                      r"|\d{1,2}[/.-]\d{1,2})$", re.I)
WEEKDAYS = {name: number for number, names in enumerate(
    [("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "wednesday"), ("thu", "thur", "thurs", "thursday"),
     ("fri", "friday"), ("sat", "saturday"), ("sun", "sunday")]) for name in names}
# What a rep types for "nothing here": in an optional cell it reads as blank, in a required one it is an error.
PLACEHOLDERS = frozenset({"n/a", "na", "-", "--", "\u2014", "\u2013", "none", "tbd"})
_MONEY = re.compile(r"(-)?\s*(?:usd|us\$|\$)?\s*(-)?\s*(\d{1,3}(?:,\d{3})+|\d+)?(\.\d+)?\s*(?:usd)?$", re.I)
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+$"   # one @ (neither side may hold another), no spaces, a dot in the domain
_EMAIL = re.compile(EMAIL_PATTERN)
# Characters neither backend can store (XML 1.0 forbids them in an .xlsx; Google drops control characters):
# C0 controls but tab and line breaks, lone surrogates, U+FFFE and U+FFFF.
_UNSTORABLE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def storable_text(text: str) -> str:
    """Text as both backends store it: no characters either cannot hold, line breaks as "\\n", and at most
    MAX_STORED_CHARS (cut with an ellipsis). Pure and idempotent: storable_text(storable_text(t)) is the same."""
    text = _clean(text)
    if len(text) * 2 <= MAX_STORED_CHARS or utf16_length(text) <= MAX_STORED_CHARS:
        return text   # the first test: short enough even if every character were an emoji
    units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    budget, cut = MAX_STORED_CHARS - len(ELLIPSIS), 0
    while budget - units[cut] >= 0:
        budget -= units[cut]
        cut += 1
    return text[:cut] + ELLIPSIS


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as Excel counts (a character beyond U+FFFF counts 2)."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


def storable(value):
    """A value the bot is about to write, as both backends will store it (and read it back).

    Text goes through `storable_text`; a NaN or infinite number (which neither can hold) is a blank.
    """
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _clean(text: str) -> str:
    """A cell's text without the characters no sheet can hold, line breaks as "\\n" (not shortened)."""
    if text.isascii() and text.isprintable():   # the common case, checked at C speed
        return text
    if _UNSTORABLE.search(text):
        text = _UNSTORABLE.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


_NOTHING = {type(None)}
_PLAIN_KINDS = frozenset({str, int, type(None)})   # bool is its own type, so True is never "plain"


def plain_texts(values: list) -> list[str] | None:
    """`[as_text(v) for v in values]` when every cell is text, a whole number typed as one (an int: an
    order number 10299 reads as its digits) or None, without a function call per cell; None when some
    cell is of another kind (a float, a date, a checkbox), which the caller reads value by value.
    The list returned may be `values` itself (when no cell needs changing)."""
    try:
        joined = "".join(values)     # every cell is text (the common column): the type check, at C speed
    except TypeError:
        kinds = set(map(type, values))
        if not kinds <= _PLAIN_KINDS:
            return None
        if str not in kinds and int not in kinds:
            return [""] * len(values)   # a column the sheet lacks, or left empty
        if type(None) in kinds:
            values = ["" if v is None else v for v in values]
        if int in kinds:
            values = list(map(str, values))   # str of a str is the str itself
        joined = "".join(values)
    return _stripped(values, joined)


def _stripped(texts: list[str], joined: str) -> list[str]:
    """`[_clean(t).strip() for t in texts]`, given their concatenation `joined`: one C-speed look at the
    joined text decides whether any cell needs cleaning, or even stripping, at all (when none does,
    `texts` itself is returned)."""
    if joined.isprintable():
        # The only character str.strip removes from printable text is the space: without one, every
        # cell is already what strip would give (IDs, emails, order numbers).
        return texts if " " not in joined else list(map(str.strip, texts))
    if already_clean(joined):
        return list(map(str.strip, texts))
    # A few cells need cleaning (a pasted line break, a control character): find them at C speed and
    # clean only those, so one odd cell does not cost a function call for every cell of its column.
    out = list(map(str.strip, texts))
    for i in compress(range(len(texts)), map(not_, map(str.isprintable, texts))):
        out[i] = _clean(texts[i]).strip()
    return out


def is_blank(value) -> bool:
    """Empty, only spaces (or characters no sheet can hold), or a float NaN (pandas' filler for ragged rows)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip() or not _clean(value).strip()
    if isinstance(value, float):
        return math.isnan(value)
    return False


def shown(value) -> str:
    """The cell as a rep would recognise it, shortened for a problem message."""
    text = as_text(value)
    return text if len(text) <= SHOWN_VALUE_MAX else text[: SHOWN_VALUE_MAX - 1] + "…"


def as_text(value) -> str:
    """Text of a cell. A number typed into an ID column stays whole: 10299, never 10299.0."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _clean(value).strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_float(value) -> float:
    """A number as a float; an integer too big for one (a crafted .xlsx can hold 400 digits) is infinite."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def parse_text(value):
    return as_text(value), None


def parse_date(value, day_first: bool = False):
    """A date in any form a spreadsheet produces or a person types; see PRODUCT.md "How cells are read"."""
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if _is_number(value):
        if not math.isfinite(_as_float(value)) or not 1 <= value <= MAX_SERIAL:
            return None, f"{shown(value)} is not a date"
        return SERIAL_EPOCH + timedelta(days=int(value)), None
    text = " ".join(as_text(value).split())
    parsed, weekday = _date_from_text(text, day_first)
    if parsed is None:
        if _no_year(text):
            return None, f"'{shown(text)}' is not a date: it has no year ({date_forms(day_first)})"
        return None, f"'{shown(text)}' is not a date ({date_forms(day_first)})"
    if weekday is not None and weekday != parsed.weekday():
        return None, (f"'{shown(text)}' is not a date: {format_long_date(parsed)} is a {parsed:%A} "
                      f"({date_forms(day_first)})")
    return parsed, None


def _no_year(text: str) -> bool:
    """A day and a month without a year ("Nov 3", "3rd of November", "11/3")."""
    if not _NO_YEAR.match(text):
        return False
    words = re.findall(r"[a-z]+", text, re.I)
    return not words or any(w.casefold() in MONTHS for w in words)


def date_forms(day_first: bool) -> str:
    """The accepted forms, as a problem message shows them (in the order the setting reads numbers)."""
    numeric = "3/11/2026 or 3 Nov 2026" if day_first else "11/3/2026 or Nov 3, 2026"
    return f"write it like 2026-11-03, {numeric}"


def _date_from_text(text: str, day_first: bool) -> tuple[date | None, int | None]:
    """The date and the weekday named in front of it (None when none is)."""
    weekday = None
    if m := _YMD.match(text):
        year, _, month, day = m.groups()
        year, month, day = int(year), int(month), int(day)
    elif m := _NUMERIC.match(text):
        first, _, second, yy = m.groups()
        month, day = (int(second), int(first)) if day_first else (int(first), int(second))
        year = 2000 + int(yy) if len(yy) == 2 else int(yy)
    elif (m := _MONTH_DAY.match(text)) or (m := _DAY_MONTH.match(text)):
        name, dd, yy = m.group(2, 3, 4) if m.re is _MONTH_DAY else m.group(3, 2, 4)
        if m.group(1) is not None:
            weekday = WEEKDAYS.get(m.group(1).casefold())
            if weekday is None:       # a word in front that is not a weekday: not a form we know
                return None, None
        month = MONTHS.get(name.casefold())
        if month is None:
            return None, None
        day, year = int(dd), (2000 + int(yy) if len(yy) == 2 else int(yy))
    else:
        return None, None
    try:
        return date(year, month, day), weekday
    except ValueError:  # 2/30/2026 and friends
        return None, None


def is_placeholder(value) -> bool:
    """`N/A`, `-`, `TBD`, … (any case, surrounding spaces ignored): what a rep types for "nothing here"."""
    return isinstance(value, str) and value.strip().casefold() in PLACEHOLDERS   # none holds a space inside


def text_lengths(texts: list[str]) -> np.ndarray:
    """The length of each text of a column, counted in C (a blank is the text of length 0): from where
    the NULs fall in the texts joined with a NUL between them, as UTF-32 (a NUL is the only character
    that is 0 there), _JOINED texts at a time. Half the time of a `len` call per text (10 ms per
    100,000) for the short texts most columns hold, since the join reads each text once at C speed and
    the rest is array work; long texts (complaint details) cost more to encode than to count."""
    sample = texts[:200]
    if sum(map(len, sample)) > _LONG_TEXT * len(sample):
        return np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    out = np.empty(len(texts), dtype=np.int64)
    for lo in range(0, len(texts), _JOINED):
        part = texts[lo:lo + _JOINED]
        joined = "\x00".join(part)
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        ends = np.flatnonzero(codes == 0)
        if len(ends) != len(part) - 1:     # a text holds a NUL itself (cleaned texts never do)
            out[lo:lo + len(part)] = np.fromiter(map(len, part), dtype=np.int64, count=len(part))
            continue
        bounds = np.empty(len(part) + 1, dtype=np.int64)
        bounds[0], bounds[1:-1], bounds[-1] = -1, ends, len(codes)
        out[lo:lo + len(part)] = np.diff(bounds) - 1
    return out


_LONG_TEXT = 24   # characters per text, on average, past which text_lengths counts them one by one


def placeholder_positions(texts: list[str], lengths: np.ndarray | None = None) -> list[int]:
    """Positions of the placeholders in a column of stripped texts (as `plain_texts` gives), given their
    `text_lengths` when the caller has them. Only the short cells can be one (no placeholder is longer
    than _PLACEHOLDER_MAX characters): only those are looked up in the set of every case spelling, once
    each distinct short text, and their positions found only when one is a placeholder."""
    if lengths is None:
        lengths = text_lengths(texts)
    short = np.flatnonzero((lengths <= _PLACEHOLDER_MAX) & (lengths > 0)).tolist()
    if not short or _PLACEHOLDER_SPELLINGS.isdisjoint(map(texts.__getitem__, short)):
        return []
    return [i for i in short if texts[i] in _PLACEHOLDER_SPELLINGS]


def _case_spellings(word: str) -> set[str]:
    return {"".join(chars) for chars in product(*({c.lower(), c.upper()} for c in word))}


_PLACEHOLDER_SPELLINGS = frozenset().union(*map(_case_spellings, PLACEHOLDERS))
_PLACEHOLDER_MAX = max(map(len, PLACEHOLDERS))


class CellWarning(str):
    """A problem that only warns: the cell is read (its value is kept) but worth a look, e.g. an amount
    with more than two decimals. Other problems mean the cell could not be read."""


MAX_AMOUNT = 1e12


def parse_money(value):
    """An amount > 0: a number, or text like "$24.50", "1,024.00", "24.5 USD". Kept to the cent; an amount
    typed with more decimals is read rounded to the cent (half up), with a warning that says so."""
    if _is_number(value):
        amount = _as_float(value)
    else:
        text = as_text(value)
        m = _MONEY.match(text)   # \s in _MONEY matches a no-break space too ("24.50\u00a0USD")
        if not m or not (m.group(3) or m.group(4)):
            return None, f"'{shown(text)}' is not an amount (write it like 24.50)"
        digits = (m.group(3) or "0").replace(",", "") + (m.group(4) or "")
        amount = float(digits) * (-1 if (m.group(1) or m.group(2)) else 1)
    if not math.isfinite(amount):
        return None, f"{shown(value)} is not an amount"
    if abs(amount) >= MAX_AMOUNT:   # no refund is this big; and in cents it would overflow a float
        return None, f"{shown(value)} is too large to be an amount"
    cents = amount * 100
    # 1e-6 of a cent: a formula's float noise (21.990000000000002) is not a third decimal a person typed.
    exact = abs(cents - round(cents)) < 1e-6
    rounded = float(Decimal(repr(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP)) if not exact else round(amount, 2)
    if rounded <= 0:
        return None, f"{format_money(rounded)}: must be more than $0.00"
    if not exact:
        return rounded, CellWarning(f"{shown(value)} has more than two decimals; the bot reads it as "
                                f"{format_money(rounded)}: type the amount in dollars and cents")
    return rounded, None


def parse_count(value):
    """A whole number of at least 1: 2, 2.0 or "2"."""
    number = None
    if _is_number(value):
        number = _as_float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ""))
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or not number.is_integer():
        return None, f"'{shown(value)}' is not a whole number"
    if number < 1:
        return None, f"{int(number)} must be at least 1"
    return int(number), None


def choice_key(text: str) -> str:
    """Choices ignore case and spaces: "  rancid/off taste" matches "Rancid / Off Taste"."""
    return "".join(text.split()).casefold()


def parse_choice(value, choices: tuple[str, ...]):
    """One of `choices`, returned in its canonical spelling. A checkbox counts as Yes / No."""
    if isinstance(value, bool) and set(choices) == {"Yes", "No"}:
        return ("Yes" if value else "No"), None
    key = choice_key(as_text(value))
    for choice in choices:
        if choice_key(choice) == key:
            return choice, None
    return None, f"'{shown(value)}' is not one of: {', '.join(choices)}"


def parse_email(value):
    """One @, no spaces, and a dot in the domain."""
    text = as_text(value)
    if text.count("@") == 1 and _EMAIL.match(text):
        return text, None
    # The value is not quoted: problems are printed by `validate`, and emails are customer data.
    return None, "Not an email address (needs one @, no spaces, and a dot in the domain)"


def format_money(amount: float) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def format_date(value: date) -> str:
    return value.isoformat()


def format_long_date(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def day_numbers(dates: np.ndarray) -> np.ndarray:
    """date.toordinal of a column of dates (no blanks), each distinct date converted once."""
    codes, unique = pd.factorize(dates)
    return np.fromiter(map(date.toordinal, unique), dtype=np.int64, count=len(unique))[codes] if len(unique) \
        else np.zeros(len(dates), dtype=np.int64)


def comparable(value):
    """A cell reduced to what matters when deciding whether to rewrite it: blank is "", 3.0 is 3."""
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (datetime, date, time)):
        return as_text(value)
    return value


def _plain_kinds(values: list, *, stored: bool) -> set | None:
    """The cell types of a column when every cell is None, an int or text that is already what both
    backends store (nothing `_clean` would change; short): then a cell's comparable form is itself,
    or "" when blank (`is_blank` of such text is `not text.strip()`), and no per-cell function call is
    needed. One C-speed pass over the joined text decides it. None when the column needs the
    per-cell rules."""
    kinds = set(map(type, values))
    if not kinds <= _PLAIN_KINDS:
        return None
    if str not in kinds:
        return kinds
    texts = values if len(kinds) == 1 else [v for v in values if type(v) is str]
    if stored and max(map(len, texts)) * 2 > MAX_STORED_CHARS and \
            any(utf16_length(t) > MAX_STORED_CHARS for t in texts if len(t) * 2 > MAX_STORED_CHARS):
        return None
    return kinds if all(already_clean("".join(texts[i:i + _JOINED])) for i in range(0, len(texts), _JOINED)) else None


# Texts joined for one C-speed look at a time: a whole column joined (a tab of email bodies, the memory's
# records) would be one of the cycle's largest objects, four times its text when one character needs it.
_JOINED = 2000


def already_clean(text: str) -> bool:
    """`_clean(text) == text`, at C speed: printable text always is; otherwise (line breaks in an email
    body) nothing `_clean` removes or rewrites may be there."""
    if text.isprintable():
        return True
    if "\r" in text:
        return False
    # What _UNSTORABLE matches, looked for in the text's UTF-8 at C speed (the regex reads a character at
    # a time: three times as long over the bodies of 10,000 drafts, which hold line breaks): a lone
    # surrogate cannot be encoded; a control character but tab and line feed (the \r _clean rewrites is
    # ruled out above) is a byte below 0x20, which no multi-byte character contains; U+FFFE and U+FFFF
    # have their own three bytes.
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return len(data.translate(None, _ASCII_UNSTORABLE)) == len(data) and \
        b"\xef\xbf\xbe" not in data and b"\xef\xbf\xbf" not in data


_ASCII_UNSTORABLE = bytes(c for c in range(32) if chr(c) not in "\t\n\r")


def _blanks_as_empty(values: list, kinds: set) -> list:
    if kinds == {str} and all(map(str.strip, values)):   # no blank at all: the column as it is
        return list(values)
    if kinds == _NOTHING:   # rows not there yet (a first cycle's bot tabs, rows past a tab's end)
        return [""] * len(values)
    return ["" if v is None or (type(v) is str and not v.strip()) else v for v in values]


def comparables(values: list) -> list:
    """`[comparable(v) for v in values]`, without a function call per cell for the common column."""
    kinds = _plain_kinds(values, stored=False)
    if kinds is not None:
        return _blanks_as_empty(values, kinds)
    return [comparable(v) for v in values]


def stored_comparables(values: list) -> list:
    """`[comparable(storable(v)) for v in values]`: values about to be written, compared as stored."""
    kinds = _plain_kinds(values, stored=True)
    if kinds is not None:
        return _blanks_as_empty(values, kinds)
    return [comparable(storable(v)) for v in values]


def stored_with_comparables(values: list) -> tuple[list, list]:
    """(`storables(values)`, `comparables` of those), with one look at the column for both."""
    kinds = _plain_kinds(values, stored=True)
    if kinds is not None:
        return list(values), _blanks_as_empty(values, kinds)
    stored = [storable(v) for v in values]
    return stored, comparables(stored)


def storables(values: list) -> list:
    """`[storable(v) for v in values]`, without a function call per cell for the common column."""
    if _plain_kinds(values, stored=True) is not None:
        return list(values)
    return [storable(v) for v in values]

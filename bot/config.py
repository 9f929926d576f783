"""Settings: defaults, then a TOML config file, then environment variables, then command-line flags.

Every problem is a ConfigError naming the setting and how to fix it. Unknown keys are errors too, so
a typo in the config file does not silently fall back to a default.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.read import cells
from bot.backends.base import PROTECTION_MODES
from bot.read.keys import product_key
from bot.errors import ConfigError
from bot.tabs.capa import CapaSettings
from bot.tabs.open_cases import EscalationSettings
from bot.tabs.follow_up import FollowUpSettings
from bot.tabs.escalations import RecurrenceSettings
from sheet_schema import TAB_FILES, load

DEFAULT_NOTIFY = {"Foreign Object": "Products & Logistics, CS Manager"}
ENV = {
    "DLB_WORKBOOK": "workbook",
    "DLB_SPREADSHEET": "spreadsheet",
    "DLB_CREDENTIALS": "credentials",
    "GOOGLE_APPLICATION_CREDENTIALS": "credentials",
}
SECTIONS = {
    "sheet": {"workbook", "spreadsheet", "credentials"},
    "tabs": set(TAB_FILES),
    "headers": set(TAB_FILES),
    "dates": {"day_first"},
    "recurrence": {"window_days", "min_cases", "aliases", "notify"},
    "drafts": {"signoff", "templates_dir"},
    "watch": {"every_minutes", "status_every_minutes"},
    "notify": {"webhook_url"},
    "protection": {"mode"},
    "follow_up": {"refund_after_days", "replacement_after_days"},
    "retention": {"sent_drafts_days"},
    "capa": {"root_cause_due_days", "verify_after_days"},
    "escalation": {"country", "subdivision", "serious", "level_2_after_days", "level_3_after_days",
                   "level_1_owner", "level_2_owner", "level_3_owner"},
}


@dataclass
class Settings:
    workbook: Path | None = None
    spreadsheet: str | None = None
    credentials: Path | None = None
    tabs: dict[str, str] = field(default_factory=lambda: {n: load(n).tab for n in TAB_FILES})
    headers: dict[str, dict[str, str]] = field(default_factory=lambda: {n: {} for n in TAB_FILES})
    day_first: bool = False
    recurrence: RecurrenceSettings = field(
        default_factory=lambda: RecurrenceSettings(notify=dict(DEFAULT_NOTIFY)))
    signoff: str = "Customer Care Team"
    templates_dir: Path | None = None
    every_minutes: float = 5.0
    status_every_minutes: float = 60.0   # Bot Status heartbeat when nothing else changed
    # Slack / Google Chat incoming webhook. Not in repr: the URL is a secret, and repr(settings) feeds
    # the quiet cache's settings digest, which a webhook change need not invalidate.
    webhook_url: str | None = field(default=None, repr=False)
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    # What `init` does to the bot-owned columns of the bot tabs: "warning" (editing asks to confirm),
    # "strict" (only the bot's account and the sheet's owner can edit) or "off" (the bot's protections removed).
    protection: str = "warning"
    follow_up: FollowUpSettings = field(default_factory=FollowUpSettings)   # also [retention]
    capa: CapaSettings = field(default_factory=CapaSettings)

    def title(self, name: str) -> str:
        return self.tabs[name]


def load_settings(config_path: str | Path | None = None, environ: dict | None = None,
                  overrides: dict | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    settings = Settings()
    path = config_path or environ.get("DLB_CONFIG")
    if path:
        _apply_file(settings, Path(path))
    for var, attr in ENV.items():
        if environ.get(var):
            _set_path_or_text(settings, attr, environ[var], Path.cwd(), var)
    if environ.get("DLB_WEBHOOK_URL"):
        settings.webhook_url = _https_url(environ["DLB_WEBHOOK_URL"], "DLB_WEBHOOK_URL")
    if environ.get("DLB_DAY_FIRST"):
        settings.day_first = _bool(environ["DLB_DAY_FIRST"], "DLB_DAY_FIRST")
    overrides = overrides or {}
    if overrides.get("workbook") is not None and overrides.get("spreadsheet") is not None:
        raise ConfigError("--workbook", "--workbook and --spreadsheet were both given: pass --workbook PATH for a "
                                        "local .xlsx file or --spreadsheet ID for a Google Sheet, not both.")
    for attr, value in overrides.items():
        if value is None:
            continue
        if attr in ("workbook", "spreadsheet", "credentials"):
            _set_path_or_text(settings, attr, value, Path.cwd(), f"--{attr}")
        elif attr == "every_minutes":
            settings.every_minutes = _positive(value, "--every")
        else:
            setattr(settings, attr, value)
    if settings.workbook and settings.spreadsheet:
        raise ConfigError("sheet", "Both a workbook and a spreadsheet are set: use --workbook for a local "
                                   "file or --spreadsheet for Google Sheets, not both.")
    return settings


def _set_path_or_text(settings: Settings, attr: str, value, base: Path, setting: str) -> None:
    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise ConfigError(setting, f"{setting} must be a non-empty text value.")
    if attr == "spreadsheet":
        settings.spreadsheet = str(value).strip()
        settings.workbook = None
        return
    resolved = Path(value).expanduser()
    if not resolved.is_absolute():
        resolved = base / resolved
    setattr(settings, attr, resolved)
    if attr == "workbook":
        settings.spreadsheet = None


def _apply_file(settings: Settings, path: Path) -> None:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("--config", f"The config file {path} does not exist: check the path given "
                                      f"to --config or DLB_CONFIG.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("--config", f"The config file {path} cannot be read ({exc}): check its "
                                      f"permissions.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("--config", f"The config file {path} is not valid TOML ({exc}): fix that "
                                      f"line.") from None
    base = path.resolve().parent
    for section, values in raw.items():
        if section not in SECTIONS:
            raise ConfigError(section, f"Unknown section [{section}] in {path}: use one of "
                                       f"{', '.join('[' + s + ']' for s in SECTIONS)}.")
        if not isinstance(values, dict):
            raise ConfigError(section, f"'{section}' in {path} must be a [section].")
        for key in values:
            if key not in SECTIONS[section]:
                raise ConfigError(f"{section}.{key}", f"Unknown setting '{key}' in [{section}] of {path}: "
                                                      f"use one of {', '.join(sorted(SECTIONS[section]))}.")
    sheet = raw.get("sheet", {})
    for attr in ("workbook", "spreadsheet", "credentials"):
        if attr in sheet:
            _set_path_or_text(settings, attr, sheet[attr], base, f"sheet.{attr}")
    for name, title in raw.get("tabs", {}).items():
        settings.tabs[name] = _text(title, f"tabs.{name}")
    for name, renames in raw.get("headers", {}).items():
        settings.headers[name] = _header_renames(name, renames)
    if "day_first" in raw.get("dates", {}):
        settings.day_first = _bool(raw["dates"]["day_first"], "dates.day_first")
    _apply_recurrence(settings.recurrence, raw.get("recurrence", {}))
    drafts = raw.get("drafts", {})
    if "signoff" in drafts:
        settings.signoff = _text(drafts["signoff"], "drafts.signoff")
    if "templates_dir" in drafts:
        folder = base / _text(drafts["templates_dir"], "drafts.templates_dir")
        if not folder.is_dir():
            raise ConfigError("drafts.templates_dir", f"drafts.templates_dir points to {folder}, which is "
                                                      f"not a folder: fix the path.")
        settings.templates_dir = folder
    watch = raw.get("watch", {})
    if "every_minutes" in watch:
        settings.every_minutes = _positive(watch["every_minutes"], "watch.every_minutes")
    if "status_every_minutes" in watch:
        settings.status_every_minutes = _positive(watch["status_every_minutes"], "watch.status_every_minutes")
    if "webhook_url" in raw.get("notify", {}):
        settings.webhook_url = _https_url(raw["notify"]["webhook_url"], "notify.webhook_url")
    _apply_escalation(settings.escalation, raw.get("escalation", {}))
    if "mode" in raw.get("protection", {}):
        settings.protection = _protection_mode(raw["protection"]["mode"], "protection.mode")
    for section, target in (("follow_up", settings.follow_up), ("retention", settings.follow_up),
                            ("capa", settings.capa)):
        for key, value in raw.get(section, {}).items():
            setattr(target, key, _days(value, f"{section}.{key}", zero_ok=section == "retention"))
    titles = list(settings.tabs.values())
    dupes = {t for t in titles if titles.count(t) > 1}
    if dupes:
        raise ConfigError("tabs", f"Two tabs share the name '{dupes.pop()}' in [tabs]: give each its own.")


def _header_renames(name: str, renames) -> dict[str, str]:
    if not isinstance(renames, dict):
        raise ConfigError(f"headers.{name}", f"[headers.{name}] must map column keys to header names.")
    keys = {c.key for c in load(name).columns}
    out = {}
    for key, header in renames.items():
        if key not in keys:
            raise ConfigError(f"headers.{name}.{key}", f"Unknown column '{key}' in [headers.{name}]: use "
                                                       f"one of {', '.join(sorted(keys))}.")
        out[key] = _text(header, f"headers.{name}.{key}")
    return out


def _apply_recurrence(rec: RecurrenceSettings, raw: dict) -> None:
    if "window_days" in raw:
        rec.window_days = int(_positive(raw["window_days"], "recurrence.window_days"))
    if "min_cases" in raw:
        rec.min_cases = int(_positive(raw["min_cases"], "recurrence.min_cases"))
        if rec.min_cases < 2:
            raise ConfigError("recurrence.min_cases", "recurrence.min_cases must be 2 or more.")
    notify = raw.get("notify", {})
    if not isinstance(notify, dict):
        raise ConfigError("recurrence.notify", "[recurrence.notify] must map defect types to who to tell.")
    defects = load("defective_log").column("defect_type").choices
    for defect, who in notify.items():
        if defect == "default":
            rec.notify_default = _text(who, "recurrence.notify.default")
        elif defect in defects:
            rec.notify[defect] = _text(who, f"recurrence.notify.{defect}")
        else:
            raise ConfigError(f"recurrence.notify.{defect}", f"Unknown defect type '{defect}' in "
                                                             f"[recurrence.notify]: use one of {', '.join(defects)} or default.")
    aliases = raw.get("aliases", {})
    if not isinstance(aliases, dict):
        raise ConfigError("recurrence.aliases", "[recurrence.aliases] must map a product to a list of other spellings.")
    for product, spellings in aliases.items():
        if isinstance(spellings, str):
            spellings = [spellings]
        if not isinstance(spellings, list) or not all(isinstance(s, str) for s in spellings):
            raise ConfigError(f"recurrence.aliases.{product}", f"The aliases of '{product}' must be a list of names.")
        for spelling in spellings:
            rec.aliases[product_key(spelling)] = product_key(product)


def _apply_escalation(esc: EscalationSettings, raw: dict) -> None:
    if "country" in raw or "subdivision" in raw:
        import holidays
        supported = holidays.list_supported_countries()
    if "country" in raw:
        code = _text(raw["country"], "escalation.country").upper()
        if code not in supported:
            raise ConfigError("escalation.country", f"escalation.country {raw['country']!r} is not a country the "
                                                    f"holidays package knows: use a two-letter code such as "
                                                    f"\"US\", \"GB\" or \"DE\".")
        esc.country = code
        esc.subdivision = None
    if "subdivision" in raw:
        sub = _text(raw["subdivision"], "escalation.subdivision").upper()
        known = {s.upper(): s for s in supported.get(esc.country, [])}
        if sub not in known:
            listed = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
            raise ConfigError("escalation.subdivision", f"escalation.subdivision {raw['subdivision']!r} is not a "
                                                        f"subdivision of {esc.country}: "
                                                        + (f"use one of {listed}." if known else
                                                           "remove it (that country has none)."))
        esc.subdivision = known[sub]
    if "serious" in raw:
        value = raw["serious"]
        if isinstance(value, str):
            value = [value]
        defects = load("defective_log").column("defect_type").choices
        by_key = {cells.choice_key(d): d for d in defects}
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError("escalation.serious", "escalation.serious must be a list of defect types, "
                                                    "e.g. [\"Foreign Object\"] (or [] for none).")
        serious = []
        for v in value:
            if cells.choice_key(v) not in by_key:
                raise ConfigError("escalation.serious", f"Unknown defect type '{v}' in escalation.serious: use "
                                                        f"one of {', '.join(defects)}.")
            serious.append(by_key[cells.choice_key(v)])
        esc.serious = tuple(dict.fromkeys(serious))
    for level in (2, 3):
        key = f"level_{level}_after_days"
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"escalation.{key}", f"escalation.{key} must be a whole number of business "
                                                       f"days, 0 or more (got {value!r}).")
            setattr(esc, key, value)
    if esc.level_3_after_days < esc.level_2_after_days:
        raise ConfigError("escalation.level_3_after_days", "escalation.level_3_after_days must be at least "
                                                           "escalation.level_2_after_days.")
    owners = list(esc.owners)
    for level in (1, 2, 3):
        key = f"level_{level}_owner"
        if key in raw:
            owners[level - 1] = _text(raw[key], f"escalation.{key}")
    esc.owners = tuple(owners)


def _protection_mode(value, setting: str) -> str:
    text = value.strip().lower() if isinstance(value, str) else None
    if text not in PROTECTION_MODES:
        raise ConfigError(setting, f"{setting} must be one of " + ", ".join(f'"{m}"' for m in PROTECTION_MODES)
                          + f" (got {value!r}): \"warning\" asks people to confirm before they edit the bot's "
                            "columns, \"strict\" lets only the bot edit them, \"off\" protects nothing.")
    return text


def _days(value, setting: str, zero_ok: bool = False) -> int:
    """A whole number of days (at least 1; 0 too where 0 means "off")."""
    least = 0 if zero_ok else 1
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ConfigError(setting, f"{setting} must be a whole number of days, {least} or more (got {value!r}).")
    return value


def _text(value, setting: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(setting, f"{setting} must be a non-empty text value in quotes.")
    return value.strip()


def _https_url(value, setting: str) -> str:
    """A webhook URL. The message never repeats the value: its path is the webhook's secret."""
    text = value.strip() if isinstance(value, str) else ""
    try:
        parts = urlsplit(text)
        ok = parts.scheme == "https" and bool(parts.hostname) and not any(c.isspace() for c in text)
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError(setting, f"{setting} must be an https:// URL: copy the incoming-webhook address "
                                   f"from your Slack or Google Chat webhook settings.")
    return text


def _bool(value, setting: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "0", "false", "no"):
        return value.strip().lower() in ("1", "true", "yes")
    raise ConfigError(setting, f"{setting} must be true or false.")


def _positive(value, setting: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not number > 0:
        raise ConfigError(setting, f"{setting} must be a number greater than 0 (got {value!r}).")
    return number

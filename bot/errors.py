"""Errors the bot explains to a person. Each carries what it is about and the exit code of the contract.

Exit codes: 0 cycle completed, 1 anything unexpected, 2 bad configuration or usage (including a sheet
whose layout does not match the configuration), 3 cannot reach or access the sheet.
"""
from __future__ import annotations


class BotError(Exception):
    """A failure with a one-sentence message that says what to do."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfigError(BotError):
    """A setting (config file key, environment variable or flag) is missing or invalid."""

    exit_code = 2

    def __init__(self, setting: str, message: str):
        super().__init__(message)
        self.setting = setting


class LayoutError(BotError):
    """A tab or header the bot needs is missing or ambiguous."""

    exit_code = 2

    def __init__(self, tab: str, message: str, header: str | None = None, headers: tuple[str, ...] = ()):
        super().__init__(message)
        self.tab = tab
        self.header = header
        self.headers = headers or ((header,) if header else ())   # every header the error is about


class TemplateError(BotError):
    """An email template is missing or refers to a field that does not exist."""

    exit_code = 2

    def __init__(self, template: str, message: str):
        super().__init__(message)
        self.template = template


class AccessError(BotError):
    """The workbook or spreadsheet cannot be reached, opened, read or written."""

    exit_code = 3

    def __init__(self, target: str, message: str):
        super().__init__(message)
        self.target = target


class ConcurrentEditError(BotError):
    """The sheet changed between the cycle's read and its write; the cycle must start over."""

    exit_code = 3

    def __init__(self, target: str, message: str):
        super().__init__(message)
        self.target = target

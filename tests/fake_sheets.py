"""The older import path of the Google fake, kept so `from fake_sheets import ...` keeps working.

The fake lives in the package tests/fakes/ (import it as `tests.fakes`; its docstring says why and how).
"""
from tests.fakes import *  # noqa: F401,F403
from tests.fakes import __all__  # noqa: F401

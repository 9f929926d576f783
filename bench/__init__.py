"""`make bench`: full cycles of the bot at 1,000 / 10,000 / 100,000 rows and on the real FDA CAERS data,
through the Google backend (against the `responses` fake of tests/fakes/) and the workbook
backend, each measured in a fresh child process against its floor. See bench/run.py.
"""

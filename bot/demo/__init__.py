"""`make demo`: the bundled sample workbook (built, not stored), the story it tells, and the run."""

"""What a person typed, read as they meant it: one cell (dates, money, placeholders), and a tab's rows into
columns by header name."""

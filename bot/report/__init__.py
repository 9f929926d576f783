"""The monthly report: its numbers, the after-the-reply figures, the HTML page, and its tab."""

"""Jinja2 email templates. The first line of each is `Subject: ...`, then a blank line, then the body."""

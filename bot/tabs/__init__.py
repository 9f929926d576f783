"""The rules, one module per tab the bot writes (Log Issues, Drafts, Escalations, Open Cases, Bot Memory)
and what feeds them (follow-ups, CAPA, lots, feedback). Pure: no I/O, the clock passed in."""

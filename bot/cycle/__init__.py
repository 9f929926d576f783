"""One cycle: compute the desired bot tabs, plan the writes, run it against a backend (starting over if
people moved rows), the quiet-cycle cache, the worker lock and the watch loop."""

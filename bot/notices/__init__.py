"""Notices about flags for the leads: what a notice says, and posting it to a webhook."""

"""Defective Log Bot: validates a customer-service Defective Log, drafts replies, flags recurrences."""
__version__ = "0.1.0"

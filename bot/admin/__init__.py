"""What an admin runs besides a cycle: set the sheet up (init), check it (doctor), erase a customer (redact)."""

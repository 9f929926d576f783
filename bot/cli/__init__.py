"""The command line: parse the arguments, call the library, print one sentence per result or failure."""

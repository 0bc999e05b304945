"""Errors that reach the user as one line: they name the bad input, never a traceback."""


class InputError(Exception):
    """Bad input (path, database file, config, dataset): the message says what and where."""

"""Errors the CLI reports as one clear line instead of a traceback."""

from __future__ import annotations


class CliError(Exception):
    """A problem the user can act on; printed without a traceback."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code

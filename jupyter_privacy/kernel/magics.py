"""The ``%privacy_*`` line magics."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

# IPython's magic parsers have no -h/--help of their own (help is `%magic?`); each magic declares this
# flag and calls `_parse`, which prints the usage instead of running the magic.
help_flag = argument("-h", "--help", action="store_true", help="show this help message and do nothing else")


def _parse(magic: Callable[..., Any], line: str) -> argparse.Namespace | None:
    """Parse ``line`` for ``magic``; print its help and return None when ``--help`` was given."""
    args = parse_argstring(magic, line)
    if args.help:
        # IPython's formatter starts with an RST literal-block marker meant for docstrings.
        print(magic.parser.format_help().removeprefix("::\n\n"))  # type: ignore[attr-defined]
        return None
    return args


@magics_class
class PrivacyMagics(Magics):
    """Privacy magics; each one accepts ``--help``."""

    @magic_arguments()
    @help_flag
    @argument("variable", nargs="?", help="name of a pandas DataFrame in the notebook's namespace")
    @line_magic
    def privacy_scan(self, line: str) -> None:
        """Classify the columns of a DataFrame as direct identifiers, special categories or quasi-identifiers.

        Shows one row per column (category, entities, score); never shows raw cell values.
        """
        args = _parse(self.privacy_scan, line)
        if args is None:
            return
        if args.variable is None:
            raise UsageError("%privacy_scan: name the DataFrame to scan, e.g. %privacy_scan customers")
        df = self._dataframe(args.variable)

        from .. import scan

        result = scan(df, source=args.variable)
        display({"text/plain": result.to_table(), "application/json": result.to_dict()}, raw=True)

    def _dataframe(self, name: str) -> Any:
        import pandas as pd

        namespace = self.shell.user_ns if self.shell is not None else {}
        if name not in namespace:
            raise UsageError(f"%privacy_scan: no variable named {name!r} in this notebook; define it first.")
        value = namespace[name]
        if not isinstance(value, pd.DataFrame):
            raise UsageError(
                f"%privacy_scan: {name!r} is a {type(value).__name__}, not a pandas DataFrame; "
                "pass the name of a DataFrame."
            )
        return value

"""The ``%privacy_*`` line magics: thin argument parsing over :class:`PrivacySession`."""

from __future__ import annotations

import argparse
import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import display

from ..mask import MissingKeyError
from .display import load_bundle, status_bundle
from .errors import PrivacyError
from .progress import LoadProgress
from .session import current_session

# IPython's magic parsers have no -h/--help of their own (help is `%magic?`); each magic declares this
# flag and calls `_parse`, which prints the usage instead of running the magic.
help_flag = argument("-h", "--help", action="store_true", help="show this help message and do nothing else")


def _parse(magic: Callable[..., Any], line: str) -> argparse.Namespace | None:
    """Parse ``line`` for ``magic``; print its help and return None when ``--help`` was given."""
    try:
        # shell-like words: quotes group words and do not reach the values (`--sql "select * ..."`)
        argv = shlex.split(line)
    except ValueError as exc:
        raise UsageError(
            f"%{magic.__name__}: {str(exc).lower()} in {line!r}; close the quote, or quote the whole value "
            "with the other kind of quote"
        ) from None
    try:
        args = magic.parser.parse_args(argv)  # type: ignore[attr-defined]
    except UsageError as exc:
        raise UsageError(f"{exc}\n(see {magic.__name__} --help)") from None
    if args.help:
        # IPython's formatter starts with an RST literal-block marker meant for docstrings.
        print(magic.parser.format_help().removeprefix("::\n\n"))  # type: ignore[attr-defined]
        return None
    return args


def _user_error(exc: Exception | str) -> UsageError:
    """Privacy errors shown as one clear line (IPython prints UsageError without a traceback)."""
    return UsageError(f"jupyter-privacy: {exc}")


def policy_note() -> str | None:
    session = current_session()
    if session.loaded.is_default:
        return (
            "No admin policy is installed: the built-in default policy is in use (nothing can be unmasked)."
        )
    return None


@magics_class
class PrivacyMagics(Magics):
    """Privacy magics; each one accepts ``--help``."""

    def _ns(self) -> dict[str, Any]:
        return self.shell.user_ns if self.shell is not None else {}

    # -- %privacy_purpose -----------------------------------------------------------------------

    @magic_arguments()
    @help_flag
    @argument("purpose", nargs="?", help="purpose id from the admin policy (e.g. churn-model)")
    @argument("--end", action="store_true", help="end the declared purpose: every grant made under it ends")
    @argument("--basis", help="lawful basis (GDPR Art. 6), one the purpose allows (e.g. legitimate_interest)")
    @argument("--ref", help="reference of the assessment document (LIA, consent record, DPIA...)")
    @argument(
        "--art9", help="Art. 9(2) condition, needed for special-category columns (e.g. explicit_consent)"
    )
    @line_magic
    def privacy_purpose(self, line: str) -> None:
        """Declare why this notebook needs raw personal data; the policy must allow it exactly.

        Changing the purpose ends every unmask granted under the previous one (the raw columns are
        masked again).
        """
        args = _parse(self.privacy_purpose, line)
        if args is None:
            return
        session = current_session()
        if args.end:
            self._end_purpose(args)
            return
        if args.purpose is None:
            purposes = ", ".join(p.id for p in session.policy.purposes) or "none"
            raise UsageError(f"%privacy_purpose: name a purpose; the policy defines: {purposes}")
        try:
            decl = session.declare_purpose(args.purpose, args.basis, args.ref, args.art9)
        except PrivacyError as exc:
            raise _user_error(exc) from None
        ref = f", reference {decl.reference}" if decl.reference else ""
        print(f"purpose declared: {decl.purpose.id} ({decl.basis}{ref}) -- {decl.purpose.description}")

    def _end_purpose(self, args: argparse.Namespace) -> None:
        if args.purpose or args.basis or args.ref or args.art9:
            raise UsageError("%privacy_purpose: --end takes no purpose or other options")
        session = current_session()
        spark = [
            g
            for g in session.grants
            if g.dataset in session.datasets and session.datasets[g.dataset].engine == "spark"
        ]
        try:
            decl = session.end_purpose()
        except PrivacyError as exc:
            raise _user_error(exc) from None
        spark_note = "; Spark frames unmasked under it run no more" if spark else ""
        print(f"purpose ended: {decl.purpose.id}; raw columns granted under it are masked again{spark_note}")

    # -- %privacy_flag --------------------------------------------------------------------------

    @magic_arguments()
    @help_flag
    @argument("variable", nargs="?", help="a DataFrame loaded with jupyter-privacy")
    @argument("column", nargs="?", help="the column to flag")
    @argument("category", nargs="?", help="direct, quasi or special")
    @argument(
        "entity", nargs="?", help="entity type, e.g. PERSON; for special the Art. 9 category, e.g. HEALTH"
    )
    @line_magic
    def privacy_flag(self, line: str) -> None:
        """Flag a column the scanner missed or under-classified: it is masked and the correction logged.

        Flags only ever mask more (a stricter category or more entities), never less. The purpose gate
        judges the column by the flag from then on.
        """
        args = _parse(self.privacy_flag, line)
        if args is None:
            return
        if args.variable is None or args.column is None or args.category is None:
            raise UsageError(
                "%privacy_flag: usage: %privacy_flag VARIABLE COLUMN CATEGORY [ENTITY], e.g. "
                "%privacy_flag visits notes special HEALTH"
            )
        from .flags import flag_column

        frame = self._frame(args.variable, "%privacy_flag")
        try:
            done = flag_column(current_session(), frame, args.column, args.category, args.entity)
        except (PrivacyError, MissingKeyError) as exc:
            raise _user_error(exc) from None
        print(
            f"flagged {args.column} in {args.variable}: {done['to']['category']} "
            f"[{', '.join(done['to']['entities'])}], masked ({done['strategy']})"
        )

    # -- %privacy_load --------------------------------------------------------------------------

    @magic_arguments()
    @help_flag
    @argument("path", nargs="?", help="CSV/TSV, Parquet, JSON/JSONL or Excel file")
    @argument("--as", dest="name", help="assign the masked DataFrame to this variable")
    @argument("--sheet", help="Excel: the sheet to read (default: the first)")
    @argument("--sql", help="a SQL query to run instead of reading a file (use with --con)")
    @argument("--con", help="SQLAlchemy URL, or the name of a DB-API connection / engine variable")
    @argument(
        "--engine", choices=("pandas", "spark"), default="pandas", help="spark: a masked Spark DataFrame"
    )
    @argument("--format", dest="fmt", help="spark: parquet, csv or json when the path does not say")
    @argument("--table", help="spark: a table of Spark's catalogue instead of a path")
    @argument(
        "--columns",
        help="read only these columns (comma-separated); the others never reach the kernel",
    )
    @argument("--quiet", action="store_true", help="do not display the summary")
    @line_magic
    def privacy_load(self, line: str) -> Any:
        """Load a dataset masked: personal-data columns are found, pseudonymised or generalised, logged.

        Use as ``df = %privacy_load data.csv`` or ``%privacy_load data.csv --as df``.
        """
        args = _parse(self.privacy_load, line)
        if args is None:
            return None
        session = current_session()
        if args.name is not None and not args.name.isidentifier():
            raise UsageError(f"%privacy_load: --as needs a Python variable name, got {args.name!r}")
        # a file named by a person (a report per customer) is shown by its token, as it is logged
        named = [str(args.path), str(Path(args.path).expanduser().resolve())] if args.path else []
        label = "a SQL query" if args.sql else session.labels.path(str(args.table or args.path))
        try:
            with LoadProgress(label) as progress:
                session.progress = progress.stage
                frame = self._load(session, args)
        except (PrivacyError, MissingKeyError) as exc:
            raise _user_error(session.labels.message(str(exc), paths=named)) from None
        finally:
            session.progress = None
        dataset = session.datasets[_dataset_id(frame)]
        if not args.quiet:
            display(load_bundle(session.labels.sanitise(dataset.summary()), policy_note()), raw=True)
        if args.name:
            self._ns()[args.name] = frame
            return None
        return frame

    def _load(self, session: Any, args: argparse.Namespace) -> Any:
        _check_engine_options(args)
        wanted = _columns(args.columns)
        if args.sql:
            if not args.con:
                raise UsageError(
                    "%privacy_load: --sql needs --con (a SQLAlchemy URL or a connection variable)"
                )
            con = self._ns().get(args.con, args.con)
            return session.load_sql(args.sql, con, variable=args.name)
        if args.engine == "spark":
            from ..engines.spark import require_pyspark
            from .spark_load import load_spark

            try:
                require_pyspark()
            except ImportError as exc:  # a set-up step missing, not a bug: one line, no traceback
                raise UsageError(f"%privacy_load: {exc}") from None
            return load_spark(
                session, args.path, table=args.table, fmt=args.fmt, variable=args.name, columns=wanted
            )
        if args.path is None:
            raise UsageError("%privacy_load: give a file path, or --sql QUERY --con CONNECTION")
        return session.load(args.path, sheet=args.sheet, variable=args.name, columns=wanted)

    # -- %privacy_unmask ------------------------------------------------------------------------

    @magic_arguments()
    @help_flag
    @argument(
        "variable", nargs="?", help="a DataFrame returned by %%privacy_load (or derived from it by selection)"
    )
    @argument("--columns", nargs="+", help="comma-separated columns to unmask, e.g. email,phone")
    @argument("--as", dest="name", help="put the result in this variable instead of replacing VARIABLE")
    @line_magic
    def privacy_unmask(self, line: str) -> None:
        """Raw values of named columns, if the declared purpose allows them (logged either way)."""
        args = _parse(self.privacy_unmask, line)
        if args is None:
            return
        if args.variable is None or not args.columns:
            raise UsageError("%privacy_unmask: usage: %privacy_unmask VARIABLE --columns a,b [--as NAME]")
        if len(args.columns) > 1:
            raise UsageError(
                f"%privacy_unmask: --columns takes one comma-separated list, got {len(args.columns)} words "
                f"({' '.join(args.columns)}); write --columns {','.join(c.strip(',') for c in args.columns)}"
                " (quote a name that has spaces: --columns 'first name,email')"
            )
        if args.name is not None and not args.name.isidentifier():
            raise UsageError(f"%privacy_unmask: --as needs a Python variable name, got {args.name!r}")
        frame = self._frame(args.variable, "%privacy_unmask")
        columns = [c.strip() for c in args.columns[0].split(",") if c.strip()]
        try:
            raw = _unmask(frame, columns)
        except (PrivacyError, MissingKeyError) as exc:
            raise _user_error(exc) from None
        self._ns()[args.name or args.variable] = raw
        print(
            f"unmasked {', '.join(columns)} in {args.name or args.variable} for purpose "
            f"{current_session().declaration.purpose.id}"  # type: ignore[union-attr]
            " (ends when the purpose changes or the kernel restarts)"
        )

    # -- %privacy_status ------------------------------------------------------------------------

    @magic_arguments()
    @help_flag
    @line_magic
    def privacy_status(self, line: str) -> None:
        """Declared purpose, loaded datasets with their flagged columns, grants, and the log head."""
        if _parse(self.privacy_status, line) is None:
            return
        display(status_bundle(current_session().status()), raw=True)

    # -- %privacy_export ------------------------------------------------------------------------

    @magic_arguments()
    @help_flag
    @argument("--format", choices=("html", "json"), default="html", help="output format (default: html)")
    @argument("--output", help="also write the record to this file")
    @line_magic
    def privacy_export(self, line: str) -> None:
        """This notebook's processing record, built from its processing log, with the chain verified."""
        args = _parse(self.privacy_export, line)
        if args is None:
            return
        from .export import export_notebook

        session = current_session()
        try:
            text, mime = export_notebook(session, args.format, args.output)
        except PrivacyError as exc:
            raise _user_error(exc) from None
        if args.output:
            print(f"written to {args.output}")
        display(
            {
                mime: text if mime != "application/json" else json.loads(text),
                "text/plain": f"processing record of {session.notebook}",
            },
            raw=True,
        )

    # -- %privacy_scan --------------------------------------------------------------------------

    @magic_arguments()
    @help_flag
    @argument("variable", nargs="?", help="name of a pandas DataFrame in the notebook's namespace")
    @line_magic
    def privacy_scan(self, line: str) -> None:
        """Classify the columns of a DataFrame (direct / special / quasi / none); shows no cell values."""
        args = _parse(self.privacy_scan, line)
        if args is None:
            return
        if args.variable is None:
            raise UsageError("%privacy_scan: name the DataFrame to scan, e.g. %privacy_scan customers")
        df = self._frame(args.variable, "%privacy_scan")
        from .. import scan

        session = current_session()
        result = scan(df, session.loaded, source=args.variable)
        renamed = session.labels.renames([c.name for c in result.columns])  # a pivot's columns are people
        for column in result.columns:
            column.name = renamed.get(column.name, column.name)
        display({"text/plain": result.to_table(), "application/json": result.to_dict()}, raw=True)

    def _frame(self, name: str, magic: str) -> Any:
        import pandas as pd

        namespace = self._ns()
        if name not in namespace:
            raise UsageError(f"{magic}: no variable named {name!r} in this notebook; define it first.")
        value = namespace[name]
        if not isinstance(value, pd.DataFrame) and not (magic == "%privacy_unmask" and _is_spark(value)):
            raise UsageError(
                f"{magic}: {name!r} is a {type(value).__name__}, not a pandas DataFrame; pass the name of a DataFrame."
            )
        return value


SPARK_ONLY = {"fmt": "--format", "table": "--table"}
PANDAS_ONLY = {"sheet": "--sheet", "sql": "--sql", "con": "--con"}


def _check_engine_options(args: argparse.Namespace) -> None:
    """Refuse an option the chosen engine does not use, rather than ignore it silently."""
    spark = args.engine == "spark"
    unused = PANDAS_ONLY if spark else SPARK_ONLY
    given = [flag for name, flag in unused.items() if getattr(args, name) is not None]
    if given:
        if not spark:
            hint = "add --engine spark to read with Spark"
        elif args.sql is not None or args.con is not None:
            hint = "run the query with spark.sql(...) and pass its frame to jupyter_privacy.govern()"
        else:
            hint = "Spark reads no Excel file: leave out --engine spark"
        verb = "is" if len(given) == 1 else "are"
        raise UsageError(
            f"%privacy_load: {', '.join(given)} {verb} not used with --engine {args.engine}; {hint}"
        )


def _columns(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",")] if text is not None else None


def _is_spark(obj: Any) -> bool:
    from .spark_load import is_spark_frame

    return is_spark_frame(obj)


def _dataset_id(frame: Any) -> str:
    if _is_spark(frame):
        from .spark_load import LOADED_ATTR

        return str(getattr(frame, LOADED_ATTR).dataset_id)
    return str(frame.attrs["jupyter_privacy"]["datasets"][0])


def _unmask(frame: Any, columns: list[str]) -> Any:
    if _is_spark(frame):
        from .spark_unmask import unmask_spark

        return unmask_spark(current_session(), frame, columns)
    return current_session().unmask(frame, columns)

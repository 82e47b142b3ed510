"""Entry point of the ``jupyter-privacy`` command.

Each subcommand lives in its own module exposing ``add_parser(subparsers)``; the parser it adds sets
``func`` to a callable taking the parsed arguments and returning the process exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import __version__
from . import key_cmd, ledger_cmd, policy_cmd, records_cmd, scan_cmd, witness_cmd
from .errors import CliError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter-privacy",
        description="Privacy governance for Jupyter notebooks: scan data for personal data, check policies.",
    )
    parser.add_argument("--version", action="version", version=f"jupyter-privacy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    scan_cmd.add_parser(sub)
    policy_cmd.add_parser(sub)
    key_cmd.add_parser(sub)
    ledger_cmd.add_parser(sub)
    records_cmd.add_parser(sub)
    witness_cmd.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except CliError as exc:
        print(f"jupyter-privacy: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # output piped into `head` and the like: stop quietly, as other command line tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("jupyter-privacy: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())

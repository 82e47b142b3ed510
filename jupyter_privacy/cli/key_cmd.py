"""``jupyter-privacy key generate``: create a masking key (printed, or written to an admin-owned file)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .errors import CliError


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "key",
        help="create a masking key",
        description="Masking keys: generate a new random key (256 bits, hex).",
    )
    actions = parser.add_subparsers(dest="key_action", metavar="ACTION")
    actions.required = True
    gen = actions.add_parser(
        "generate",
        help="print a new key, or write it to a file readable by its owner only",
        description="Print a new random masking key, or write it to FILE (mode 0600; never overwrites). "
        "Keep it out of notebooks and version control: whoever holds it can recompute pseudonyms.",
    )
    gen.add_argument("--file", metavar="FILE", help="write the key to this new file instead of printing it")
    gen.set_defaults(func=run_generate)


def run_generate(args: argparse.Namespace) -> int:
    from ..mask.keys import generate_key, write_key_file

    key = generate_key()
    if args.file is None:
        print(key)
        return 0
    path = Path(args.file).expanduser()
    try:
        write_key_file(path, key)
    except FileExistsError:
        raise CliError(
            f"{path} already exists; a key file is never overwritten (pseudonyms would change)"
        ) from None
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None
    print(
        f"key written to {path} (readable by its owner only); set `key: {{source: file, file: {path}}}` in the policy"
    )
    return 0

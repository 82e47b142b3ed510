"""Shell commands that read a governed file: ``!head data/customers.csv``, ``%%bash``, ``subprocess``.

The commonest way to peek at a file in a notebook prints its first rows raw, yet no Python ``open()``
happens in the kernel (the command runs in another process), so the audit hook of :mod:`.ungoverned`
does not see it. Two ways in:

- the cell's source, before it runs: lines that IPython runs as shell commands (``!cmd``,
  ``x = !cmd``, ``%sx``/``%system``) and cells of the ``%%bash``/``%%sh``/``%%script`` magics;
- the ``subprocess.Popen`` and ``os.system`` audit events, for commands a cell builds itself.

Each word of a command that names a file (as a path, or after a redirection ``<``) is a candidate;
:class:`UngovernedReads` keeps those that are governed files. Words are split like a POSIX shell does;
``{var}``/``$var`` expansions are seen through the audit events only.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from typing import Any

_LINE = re.compile(r"^[^\S\n]*(?:[\w.\[\]'\"]+[^\S\n]*=[^\S\n]*)?(?:!!?|%(?:sx|system)\b)(.*)$", re.M)
_CELL = re.compile(r"^\s*%%(?:bash|sh|script|system)\b")
COMMAND_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.posix_spawn"})


def cell_commands(code: str) -> list[str]:
    """The shell commands a cell will run, as written."""
    if _CELL.match(code):
        return code.splitlines()[1:]
    return [m.group(1) for m in _LINE.finditer(code)]


def event_commands(event: str, args: tuple[Any, ...]) -> tuple[list[str], str | None]:
    """The command words of a ``subprocess.Popen`` / ``os.system`` / ``os.posix_spawn`` audit event, and
    the working directory it runs in (None: the kernel's)."""
    if event == "os.system":
        return (_split(os.fsdecode(args[0])) if args else []), None
    argv = args[1] if len(args) > 1 else None
    cwd = args[2] if event == "subprocess.Popen" and len(args) > 2 and args[2] is not None else None
    if isinstance(argv, str | bytes):
        words = _split(os.fsdecode(argv))
    elif isinstance(argv, list | tuple):
        words = [os.fsdecode(a) for a in argv if isinstance(a, str | bytes | os.PathLike)]
    else:
        words = []
    return words, (os.fsdecode(cwd) if isinstance(cwd, str | bytes | os.PathLike) else None)


def command_files(words: list[str]) -> Iterator[tuple[str, str]]:
    """``(word, program)`` for every word that could name a file (not the program, not an option)."""
    if not words:
        return
    program = os.path.basename(words[0])
    for word in words[1:]:
        word = word.lstrip("<")  # "cat <data.csv": the redirection's file
        if word and not word.startswith("-") and not _is_operator(word):
            yield word, program


def line_words(command: str) -> list[str]:
    return _split(command)


def _split(command: str) -> list[str]:
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars="|&;<>()")
        lexer.whitespace_split = True
        return list(lexer)
    except ValueError:  # an unbalanced quote: the words as they stand
        return command.split()


def _is_operator(word: str) -> bool:
    return bool(word) and all(ch in "|&;<>()" for ch in word)

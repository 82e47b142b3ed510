"""Which log chains hold a notebook's records, following the renames the server remembered.

The log keeps records under the path a kernel had when it started; after a rename in JupyterLab the
server stores an alias (:mod:`jupyter_privacy.records.aliases`). The CLI reads the same alias file, so a
notebook is found under its current name as well as under the names it had when its records were written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..records.aliases import AliasMap, alias_fields, default_alias_path
from .errors import CliError
from .ledger_cmd import resolve_notebook


@dataclass(frozen=True)
class Scope:
    """The notebooks asked for (current names), the chains holding their records, and which records."""

    notebooks: list[str]
    chains: list[str]
    aliases: AliasMap

    def belongs(self) -> Callable[[str, Any], bool]:
        """A filter for :func:`~jupyter_privacy.records.article30.build_record`: records now owned here."""
        wanted = set(self.notebooks)
        return lambda chain, r: self.aliases.owner(chain, alias_fields(r)) in wanted


def load_aliases(path: str | None) -> AliasMap:
    """The server's rename aliases (``--aliases FILE``, else the server's default file)."""
    try:
        return AliasMap(os.path.expanduser(path) if path else default_alias_path())
    except ValueError as exc:
        raise CliError(str(exc)) from None


def current_names(known: list[str], aliases: AliasMap) -> list[str]:
    """Recorded chains and the names their notebooks have now."""
    return sorted(set(known) | {aliases.current_name(c) for c in known})


def notebook_scope(given: str, known: list[str], aliases: AliasMap) -> Scope:
    """The chains of one notebook given by path or unique suffix, under its current or an earlier name."""
    notebook = resolve_notebook(given, current_names(known, aliases))
    return Scope([notebook], aliases.notebook_chains(notebook, known), aliases)


def renamed_to(notebook: str, aliases: AliasMap) -> str | None:
    """The name a notebook's earlier records moved to when it was renamed, if it was."""
    now = aliases.current_name(notebook)
    return now if now != notebook else None


def project_notebooks(directory: str, known: list[str]) -> list[str]:
    """Notebooks whose path lies under ``directory``."""
    root = os.path.abspath(os.path.expanduser(directory))
    return [
        nb for nb in known if os.path.abspath(nb) == root or os.path.abspath(nb).startswith(root + os.sep)
    ]


def project_scope(directory: str, known: list[str], aliases: AliasMap) -> Scope:
    """The chains of every notebook whose current path lies under ``directory``."""
    notebooks = project_notebooks(directory, current_names(known, aliases))
    chains = sorted({c for nb in notebooks for c in aliases.notebook_chains(nb, known)})
    return Scope(notebooks, chains, aliases)

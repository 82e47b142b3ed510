"""Who acts and where: the identity written into every processing-log record (record format 2).

The acting user is ``JUPYTERHUB_USER`` when the kernel or server runs under JupyterHub (every user's
server and kernels run as that user, and the Hub sets it), else ``KERNEL_USERNAME`` (set for a kernel
started through a gateway), else the operating-system user. The server is
the host name, followed by the JupyterHub named server (``JUPYTERHUB_SERVER_NAME``) when there is one.
On a single machine both are what the process says about itself: they attribute records, they do not
authenticate anyone (a PostgreSQL store records the database role as well; see docs/ledger.md).
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_UNKNOWN = "unknown"


@dataclass(frozen=True)
class Identity:
    """The acting user and the server a record was written from."""

    user: str
    server: str

    def wrote(self, record: Any) -> bool:
        """Whether ``record`` is this identity's: written by its user, from the same JupyterHub named
        server (a user's named servers can have volumes of their own, so one notebook path can be two
        notebooks). The host is not compared: a kernel may run on another host than its server."""
        server = _field(record, "server")
        return written_by(record, self.user) and (
            server is None or named_server(server) == named_server(self.server)
        )


def named_server(server: str) -> str:
    """The JupyterHub named server in a record's ``server`` (``host/NAME``), or "" for a default server."""
    return server.split("/", 1)[1] if "/" in server else ""


def _field(record: Any, name: str) -> Any:
    return record.get(name) if isinstance(record, Mapping) else getattr(record, name, None)


def acting_user() -> str:
    """``JUPYTERHUB_USER`` when set and non-empty, else ``KERNEL_USERNAME`` (what a Jupyter Server passes
    to a kernel it starts through a gateway such as Enterprise Gateway), else the OS user name
    (``"unknown"`` if none)."""
    for variable in ("JUPYTERHUB_USER", "KERNEL_USERNAME"):
        named = os.environ.get(variable, "").strip()
        if named:
            return named
    try:
        return getpass.getuser() or _UNKNOWN
    except (KeyError, OSError):
        return _UNKNOWN


def server_name() -> str:
    """The host name, plus ``/NAME`` for a JupyterHub named server."""
    host = socket.gethostname() or _UNKNOWN
    named = os.environ.get("JUPYTERHUB_SERVER_NAME", "").strip()
    return f"{host}/{named}" if named else host


def current_identity() -> Identity:
    """The identity of this process, read now (the environment may change between kernels)."""
    return Identity(acting_user(), server_name())


def written_by(record: Any, user: str) -> bool:
    """Whether ``record`` (a :class:`~.records.LedgerRecord` or its dict) was written by ``user``.

    A format-1 record (written before identities were recorded) names no user and counts as anyone's.
    Readers that show *one user's* notebook (the sidebar, a kernel's export) keep only these: under
    container spawners every user's notebooks live under the same path (``/home/jovyan``), so one chain
    of a shared log can hold several users' records for the "same" notebook.
    """
    owner = _field(record, "user")
    return owner is None or owner == user

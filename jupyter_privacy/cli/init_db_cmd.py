"""``jupyter-privacy log init-db``: set up the PostgreSQL team log (run once by an admin; idempotent).

The admin connection string comes from an environment variable (``--dsn-env``, default the policy's
``log.dsn_env``), never from the command line, where it would land in shell history and process lists.
"""

from __future__ import annotations

import argparse
import os

from ..ledger.postgres_schema import READER, WRITER, init_db
from ..ledger.postgres_store import describe_pg_error
from ..policy import PolicyError, load_policy
from .errors import CliError


def _dsn_env(args: argparse.Namespace) -> str:
    if args.dsn_env:
        return str(args.dsn_env)
    try:
        return load_policy().policy.log.dsn_env
    except PolicyError as exc:
        raise CliError(f"cannot load the privacy policy {exc.source}; pass --dsn-env VAR") from None


def run_init_db(args: argparse.Namespace) -> int:
    env = _dsn_env(args)
    dsn = os.environ.get(env, "").strip()
    if not dsn:
        raise CliError(
            f"set {env} to an admin connection string for the log database (or pass --dsn-env VAR)"
        )
    try:
        import psycopg
        from psycopg import sql
    except ImportError:
        raise CliError("psycopg is not installed: pip install 'jupyter-privacy[team]'") from None
    try:
        with psycopg.connect(dsn, connect_timeout=10) as conn:
            init_db(conn, print, args.user_check)
            with conn.transaction(), conn.cursor() as cur:
                for group, members in ((WRITER, args.writer), (READER, args.reader)):
                    for role in members:
                        cur.execute(
                            sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(role))
                        )
                        print(f"role {role}: member of {group}")
    except psycopg.Error as exc:
        raise CliError(f"cannot set up the log database (from ${env}): {describe_pg_error(exc)}") from None
    return 0

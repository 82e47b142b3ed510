"""The PostgreSQL schema of the team processing log: tables, the append function, roles and grants.

``init_db`` (behind ``jupyter-privacy log init-db``, run by an admin with a superuser or an owner role)
creates, idempotently:

- roles ``jupyter_privacy_owner`` (NOLOGIN; owns everything below), ``jupyter_privacy_writer``
  (NOLOGIN; notebook users' login roles are made members: they may call the append function and read)
  and ``jupyter_privacy_reader`` (NOLOGIN; read only, for the DPO's tools);
- schema ``jupyter_privacy`` with tables ``records`` and ``heads`` and the function
  ``jupyter_privacy.append(...)``, SECURITY DEFINER: it takes a per-chain advisory lock, checks the head
  against the last record, assigns ``seq``, ``prev_hash``, ``ts`` and ``hash`` itself (building the
  canonical JSON of the record in SQL), inserts the record and moves the head. A client never chooses
  those four fields, and the writer role has no INSERT, UPDATE, DELETE or TRUNCATE on the tables and
  owns nothing, so it cannot rewrite, drop or alter them;
- the erasure fingerprints (keyed Bloom filters of each load, see :mod:`jupyter_privacy.records.fingerprints`)
  in tables ``fp_filters`` and ``fp_chunks``, written only through ``jupyter_privacy.put_fingerprints``,
  SECURITY DEFINER: it computes the filter's SHA-256 itself (the one the ``dataset_loaded`` record names),
  stores each distinct filter once and splits it into 1 KiB chunks. Writers cannot overwrite or delete a
  filter, nor store one under another filter's hash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SCHEMA = "jupyter_privacy"
OWNER = "jupyter_privacy_owner"
WRITER = "jupyter_privacy_writer"
READER = "jupyter_privacy_reader"
NOTIFY_CHANNEL = "jupyter_privacy_append"
"""Every append is notified here (payload ``{"notebook", "seq", "user"}``); servers LISTEN to push sidebar
updates of their own user's appends."""

USER_NOT_LOGIN = "JPU01"
"""The SQLSTATE of an append refused because its user is not the login role (a code of our own)."""
USER_CHECK = "user_check"
"""The setting that says whether a record's ``user`` must be the database login role (``login``) or may be
whatever the kernel reports (``any``, the default)."""

_TABLES = f"""
CREATE TABLE IF NOT EXISTS {SCHEMA}.records (
    notebook text NOT NULL,
    seq bigint NOT NULL,
    ts text NOT NULL,
    kernel_id text,
    cell_id text,
    execution_count bigint,
    code_sha256 text,
    event text NOT NULL,
    payload text NOT NULL,
    policy_sha256 text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    user_name text,
    server text,
    record_version integer,
    db_role text NOT NULL DEFAULT session_user,
    PRIMARY KEY (notebook, seq)
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.heads (
    notebook text PRIMARY KEY,
    seq bigint NOT NULL,
    hash text NOT NULL
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.settings (
    name text PRIMARY KEY,
    value text NOT NULL
);
"""


_FINGERPRINT_TABLES = f"""
CREATE TABLE IF NOT EXISTS {SCHEMA}.fp_filters (
    id bigserial PRIMARY KEY,
    sha256 text NOT NULL UNIQUE,
    scheme text NOT NULL,
    m_log2 integer NOT NULL,
    k integer NOT NULL,
    n_items bigint NOT NULL,
    created_ts text NOT NULL,
    db_role text NOT NULL DEFAULT session_user
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.fp_chunks (
    filter_id bigint NOT NULL REFERENCES {SCHEMA}.fp_filters (id),
    m_log2 integer NOT NULL,
    chunk_no integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (filter_id, chunk_no)
);
CREATE INDEX IF NOT EXISTS fp_chunks_lookup ON {SCHEMA}.fp_chunks (m_log2, chunk_no, filter_id);
"""

# The filter's SHA-256 exactly as BloomFilter.sha256 computes it: header text, then the bits.
_PUT_FINGERPRINTS = f"""
CREATE OR REPLACE FUNCTION {SCHEMA}.put_fingerprints(
    p_scheme text, p_m_log2 integer, p_k integer, p_n_items bigint, p_bits bytea
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    digest text;
    fid bigint;
    n_chunks integer;
BEGIN
    IF p_scheme IS NULL OR p_scheme !~ '^jp-bloom-v[0-9]+$' THEN
        RAISE EXCEPTION 'unknown fingerprint scheme' USING ERRCODE = '22023';
    END IF;
    IF p_m_log2 IS NULL OR p_m_log2 < 13 OR p_m_log2 > 32 OR p_k IS NULL OR p_k < 1 OR p_k > 64
            OR p_n_items IS NULL OR p_n_items < 0 THEN
        RAISE EXCEPTION 'invalid filter parameters' USING ERRCODE = '22023';
    END IF;
    IF p_bits IS NULL OR length(p_bits)::bigint * 8 <> (1::bigint << p_m_log2) THEN
        RAISE EXCEPTION 'the filter has the wrong size' USING ERRCODE = '22023';
    END IF;
    digest := encode(sha256(convert_to(p_scheme || ';m_log2=' || p_m_log2 || ';k=' || p_k || ';n='
        || p_n_items || ';', 'UTF8') || p_bits), 'hex');
    INSERT INTO {SCHEMA}.fp_filters (sha256, scheme, m_log2, k, n_items, created_ts)
        VALUES (digest, p_scheme, p_m_log2, p_k, p_n_items,
                to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        ON CONFLICT (sha256) DO NOTHING RETURNING id INTO fid;
    IF fid IS NOT NULL THEN
        n_chunks := length(p_bits) / 1024;
        INSERT INTO {SCHEMA}.fp_chunks (filter_id, m_log2, chunk_no, data)
            SELECT fid, p_m_log2, i, substring(p_bits FROM i * 1024 + 1 FOR 1024)
            FROM generate_series(0, n_chunks - 1) AS i;
    END IF;
    RETURN digest;
END
$fn$;
"""

# The record's canonical JSON, keys in sorted order, built here so the client cannot choose what is
# hashed for seq/prev_hash/ts. to_json(text) escapes exactly like Python's json.dumps(ensure_ascii=False).
# The payload is the client's canonical JSON text (checked to be a JSON object).
_APPEND = f"""
CREATE OR REPLACE FUNCTION {SCHEMA}.append(
    p_notebook text, p_event text, p_payload text, p_kernel_id text, p_cell_id text,
    p_execution_count bigint, p_code_sha256 text, p_policy_sha256 text, p_user text, p_server text
) RETURNS {SCHEMA}.records
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    head_seq bigint;
    head_hash text;
    last_seq bigint;
    last_hash text;
    r {SCHEMA}.records;
    body text;
BEGIN
    IF p_notebook IS NULL OR p_notebook = '' THEN
        RAISE EXCEPTION 'notebook must be a non-empty string' USING ERRCODE = '22023';
    END IF;
    IF p_event IS NULL OR p_event !~ '^[a-z][a-z0-9_]*$' THEN
        RAISE EXCEPTION 'invalid event name' USING ERRCODE = '22023';
    END IF;
    IF p_payload IS NULL OR jsonb_typeof(p_payload::jsonb) <> 'object' THEN
        RAISE EXCEPTION 'payload must be a JSON object' USING ERRCODE = '22023';
    END IF;
    IF p_policy_sha256 IS NULL OR p_policy_sha256 !~ '^[0-9a-f]{{64}}$' THEN
        RAISE EXCEPTION 'policy_sha256 must be 64 lower-case hex digits' USING ERRCODE = '22023';
    END IF;
    IF coalesce(p_user, '') = '' OR coalesce(p_server, '') = '' THEN
        RAISE EXCEPTION 'user and server must be non-empty' USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM {SCHEMA}.settings s WHERE s.name = '{USER_CHECK}' AND s.value = 'login')
            AND p_user IS DISTINCT FROM session_user::text THEN
        RAISE EXCEPTION 'this log takes the user from the database login: user % is not the login role %',
            p_user, session_user USING ERRCODE = '{USER_NOT_LOGIN}';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('jupyter_privacy:' || p_notebook, 0));
    SELECT h.seq, h.hash INTO head_seq, head_hash FROM {SCHEMA}.heads h WHERE h.notebook = p_notebook;
    SELECT x.seq, x.hash INTO last_seq, last_hash FROM {SCHEMA}.records x
        WHERE x.notebook = p_notebook ORDER BY x.seq DESC LIMIT 1;
    IF head_seq IS DISTINCT FROM last_seq OR head_hash IS DISTINCT FROM last_hash THEN
        RAISE EXCEPTION 'the chain of this notebook is inconsistent (head pointer and last record differ)'
            USING ERRCODE = '55000';
    END IF;
    r.notebook := p_notebook;
    r.seq := coalesce(head_seq, 0) + 1;
    r.prev_hash := coalesce(head_hash, repeat('0', 64));
    r.ts := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    r.kernel_id := p_kernel_id;
    r.cell_id := p_cell_id;
    r.execution_count := p_execution_count;
    r.code_sha256 := p_code_sha256;
    r.event := p_event;
    r.payload := p_payload;
    r.policy_sha256 := p_policy_sha256;
    r.user_name := p_user;
    r.server := p_server;
    r.record_version := 2;
    r.db_role := session_user;
    body := '{{"cell_id":' || coalesce(to_json(r.cell_id)::text, 'null')
        || ',"code_sha256":' || coalesce(to_json(r.code_sha256)::text, 'null')
        || ',"event":' || to_json(r.event)::text
        || ',"execution_count":' || coalesce(r.execution_count::text, 'null')
        || ',"kernel_id":' || coalesce(to_json(r.kernel_id)::text, 'null')
        || ',"notebook":' || to_json(r.notebook)::text
        || ',"payload":' || r.payload
        || ',"policy_sha256":' || to_json(r.policy_sha256)::text
        || ',"prev_hash":' || to_json(r.prev_hash)::text
        || ',"record_version":2'
        || ',"seq":' || r.seq::text
        || ',"server":' || to_json(r.server)::text
        || ',"ts":' || to_json(r.ts)::text
        || ',"user":' || to_json(r.user_name)::text
        || '}}';
    r.hash := encode(sha256(convert_to(r.prev_hash || body, 'UTF8')), 'hex');
    INSERT INTO {SCHEMA}.records VALUES (r.*);
    INSERT INTO {SCHEMA}.heads (notebook, seq, hash) VALUES (r.notebook, r.seq, r.hash)
        ON CONFLICT (notebook) DO UPDATE SET seq = excluded.seq, hash = excluded.hash;
    PERFORM pg_notify('{NOTIFY_CHANNEL}',
        json_build_object('notebook', r.notebook, 'seq', r.seq, 'user', r.user_name)::text);
    RETURN r;
END
$fn$;
"""

_GRANTS = f"""
ALTER SCHEMA {SCHEMA} OWNER TO {OWNER};
ALTER TABLE {SCHEMA}.records OWNER TO {OWNER};
ALTER TABLE {SCHEMA}.heads OWNER TO {OWNER};
ALTER TABLE {SCHEMA}.settings OWNER TO {OWNER};
ALTER FUNCTION {SCHEMA}.append(text, text, text, text, text, bigint, text, text, text, text) OWNER TO {OWNER};
ALTER TABLE {SCHEMA}.fp_filters OWNER TO {OWNER};
ALTER TABLE {SCHEMA}.fp_chunks OWNER TO {OWNER};
ALTER FUNCTION {SCHEMA}.put_fingerprints(text, integer, integer, bigint, bytea) OWNER TO {OWNER};
REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM PUBLIC;
REVOKE ALL ON FUNCTION {SCHEMA}.append(text, text, text, text, text, bigint, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION {SCHEMA}.put_fingerprints(text, integer, integer, bigint, bytea) FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA {SCHEMA} FROM PUBLIC;
GRANT USAGE ON SCHEMA {SCHEMA} TO {READER}, {WRITER};
GRANT SELECT ON {SCHEMA}.records, {SCHEMA}.heads, {SCHEMA}.fp_filters, {SCHEMA}.fp_chunks,
    {SCHEMA}.settings TO {READER}, {WRITER};
GRANT EXECUTE ON FUNCTION {SCHEMA}.append(text, text, text, text, text, bigint, text, text, text, text)
    TO {WRITER};
GRANT EXECUTE ON FUNCTION {SCHEMA}.put_fingerprints(text, integer, integer, bigint, bytea) TO {WRITER};
"""


def _exists(cur: Any, sql: str, *params: Any) -> bool:
    cur.execute(sql, params)
    return cur.fetchone() is not None


def init_db(conn: Any, say: Callable[[str], None], user_check: str | None = None) -> None:
    """Create roles, schema, tables, the append function and the grants; say what was done.

    Idempotent: what exists is kept (the function and the grants are re-applied, which changes nothing
    when they are current). Runs in one transaction on ``conn`` (a psycopg connection). ``user_check``
    ``login`` makes the append function refuse a record whose ``user`` is not the login role (each user
    connects with their own role: the records' users are then authenticated by the database), ``any``
    lifts that; None keeps what is set.
    """
    with conn.transaction(), conn.cursor() as cur:
        for role in (OWNER, WRITER, READER):
            if _exists(cur, "SELECT 1 FROM pg_roles WHERE rolname = %s", role):
                say(f"role {role}: exists")
            else:
                cur.execute(f"CREATE ROLE {role} NOLOGIN")
                say(f"role {role}: created (NOLOGIN)")
        if _exists(cur, "SELECT 1 FROM pg_namespace WHERE nspname = %s", SCHEMA):
            say(f"schema {SCHEMA}: exists")
        else:
            cur.execute(f"CREATE SCHEMA {SCHEMA}")
            say(f"schema {SCHEMA}: created")
        for table in ("records", "heads", "settings", "fp_filters", "fp_chunks"):
            found = _exists(
                cur, "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s", SCHEMA, table
            )
            say(f"table {SCHEMA}.{table}: {'exists' if found else 'created'}")
        cur.execute(_TABLES)
        cur.execute(_FINGERPRINT_TABLES)
        cur.execute(_APPEND)
        say(f"function {SCHEMA}.append: installed (SECURITY DEFINER; assigns seq, prev_hash, ts and hash)")
        cur.execute(_PUT_FINGERPRINTS)
        say(
            f"function {SCHEMA}.put_fingerprints: installed (SECURITY DEFINER; stores erasure fingerprints "
            "under the hash it computes)"
        )
        cur.execute(_GRANTS)
        _user_check(cur, say, user_check)
        say(
            f"grants: {WRITER} may read and call {SCHEMA}.append and {SCHEMA}.put_fingerprints only; "
            f"{READER} may read; "
            "no role but the owner may insert, update, delete, truncate or alter"
        )
    say(f"next: GRANT {WRITER} TO <each notebook user's login role>; GRANT {READER} TO <the DPO's role>")


def _user_check(cur: Any, say: Callable[[str], None], wanted: str | None) -> None:
    """Set (or, with None, report) whether a record's user must be the login role."""
    if wanted is not None:
        if wanted not in ("login", "any"):
            raise ValueError(f"user check must be 'login' or 'any', not {wanted!r}")
        cur.execute(
            f"INSERT INTO {SCHEMA}.settings (name, value) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (USER_CHECK, wanted),
        )
    cur.execute(f"SELECT value FROM {SCHEMA}.settings WHERE name = %s", (USER_CHECK,))
    row = cur.fetchone()
    if row is not None and row[0] == "login":
        say("user check: login (a record's user must be the database login role)")
    else:
        say(
            "user check: any (a record's user is what the kernel reports; --user-check login to require the login role)"
        )

"""Send OpenLineage events through the openlineage-python client and its transports.

:mod:`.openlineage` builds the events (plain dicts) from the processing log; this module turns them into
the client's typed objects (``event_v2.RunEvent`` with the schema, tags, column-lineage, parent and
job-type facets) and emits them with an ``OpenLineageClient``:

- ``file`` and ``http`` (the policy's ``openlineage.transport``, or ``lineage --output/--url``): a client
  with that one transport (file transport in append mode: one JSON event per line; http: POST to
  ``{url}/api/v1/lineage``);
- ``client``: the client configured the way OpenLineage users already do it: ``openlineage.yml`` (in
  ``$OPENLINEAGE_CONFIG``, the working directory or ``~/.openlineage``), ``OPENLINEAGE_URL`` (and
  ``OPENLINEAGE_API_KEY``/``OPENLINEAGE_ENDPOINT``) or ``OPENLINEAGE__TRANSPORT__*`` variables, so any of
  its transports (http, file, kafka, console, composite ...) works. No configuration is an error here,
  not the client's silent fallback to printing events on the console.

The client is the ``lineage`` extra (``pip install 'jupyter-privacy[lineage]'``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any


class LineageError(Exception):
    """The events could not be sent (missing client, no configuration, transport failure)."""


def _client_modules() -> tuple[Any, Any, Any]:
    try:
        from openlineage.client import OpenLineageClient, event_v2, facet_v2
    except ImportError:
        raise LineageError(
            "the OpenLineage client is not installed: pip install 'jupyter-privacy[lineage]'"
        ) from None
    return OpenLineageClient, event_v2, facet_v2


def _facet(cls: Any, data: dict[str, Any], **fields: Any) -> Any:
    return cls(**fields, producer=data.get("_producer", ""))


def _dataset_facets(facets: dict[str, Any], fv: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "schema" in facets:
        f = facets["schema"]
        out["schema"] = _facet(
            fv.schema_dataset.SchemaDatasetFacet,
            f,
            fields=[
                fv.schema_dataset.SchemaDatasetFacetFields(name=c["name"], type=c.get("type"))
                for c in f["fields"]
            ],
        )
    if "tags" in facets:
        f = facets["tags"]
        out["tags"] = _facet(
            fv.tags_dataset.TagsDatasetFacet,
            f,
            tags=[fv.tags_dataset.TagsDatasetFacetFields(**t) for t in f["tags"]],
        )
    if "columnLineage" in facets:
        f = facets["columnLineage"]
        cl = fv.column_lineage_dataset
        fields = {
            col: cl.Fields(
                inputFields=[
                    cl.InputField(
                        namespace=i["namespace"],
                        name=i["name"],
                        field=i["field"],
                        transformations=[cl.Transformation(**t) for t in i.get("transformations", [])],
                    )
                    for i in v["inputFields"]
                ]
            )
            for col, v in f["fields"].items()
        }
        out["columnLineage"] = _facet(cl.ColumnLineageDatasetFacet, f, fields=fields)
    return out


def client_event(e: dict[str, Any]) -> Any:
    """The openlineage-python ``RunEvent`` of one event built by :func:`.openlineage.notebook_events`."""
    _client, ev, fv = _client_modules()
    run_facets: dict[str, Any] = {}
    if "parent" in e["run"].get("facets", {}):
        p = e["run"]["facets"]["parent"]
        run_facets["parent"] = _facet(
            fv.parent_run.ParentRunFacet,
            p,
            run=fv.parent_run.Run(runId=p["run"]["runId"]),
            job=fv.parent_run.Job(namespace=p["job"]["namespace"], name=p["job"]["name"]),
        )
    job_facets: dict[str, Any] = {}
    if "jobType" in e["job"].get("facets", {}):
        j = e["job"]["facets"]["jobType"]
        job_facets["jobType"] = _facet(
            fv.job_type_job.JobTypeJobFacet,
            j,
            processingType=j["processingType"],
            integration=j["integration"],
            jobType=j["jobType"],
        )
    return ev.RunEvent(
        eventType=ev.RunState[e["eventType"]],
        eventTime=e["eventTime"],
        run=ev.Run(runId=e["run"]["runId"], facets=run_facets),
        job=ev.Job(namespace=e["job"]["namespace"], name=e["job"]["name"], facets=job_facets),
        producer=e["producer"],
        inputs=[
            ev.InputDataset(namespace=d["namespace"], name=d["name"], facets=_dataset_facets(d["facets"], fv))
            for d in e["inputs"]
        ],
        outputs=[
            ev.OutputDataset(
                namespace=d["namespace"], name=d["name"], facets=_dataset_facets(d["facets"], fv)
            )
            for d in e["outputs"]
        ],
    )


def transport_config(kind: str, *, file: str | None = None, url: str | None = None) -> dict[str, Any] | None:
    """The client's transport configuration for ``file``/``http``; None for ``client`` (its own config)."""
    if kind == "file":
        return {"type": "file", "log_file_path": str(file), "append": True}
    if kind == "http":
        endpoint = "api/v1/lineage"
        base = str(url).rstrip("/")
        if base.endswith("/" + endpoint):
            base = base[: -len(endpoint) - 1]
        return {"type": "http", "url": base, "endpoint": endpoint}
    if kind == "client":
        return None
    raise LineageError(f"unknown OpenLineage transport {kind!r}; use file, http or client")


def make_client(transport: dict[str, Any] | None, secrets: Iterable[str] = ()) -> Any:
    """An ``OpenLineageClient`` with ``transport``, or configured from openlineage.yml / environment.

    The client can copy environment variables into every event (``facets.environment_variables``); the
    variables named in ``secrets`` (the masking key's, the log DSN's) and every ``JUPYTER_PRIVACY_*`` are
    taken out of that list, so their values never reach lineage.
    """
    client_cls, _ev, _fv = _client_modules()
    client = client_cls(config={"transport": transport}) if transport else client_cls()
    facets = client.config.facets
    hidden = set(secrets)
    facets.environment_variables = [
        n for n in facets.environment_variables if n not in hidden and not n.startswith("JUPYTER_PRIVACY")
    ]
    if transport is None and client.transport.kind == "console":
        raise LineageError(
            "no OpenLineage configuration found: set OPENLINEAGE_URL, or write an openlineage.yml "
            "(in $OPENLINEAGE_CONFIG, the working directory or ~/.openlineage)"
        )
    return client


_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")


def without_credentials(message: str) -> str:
    """``message`` with the user and password of every URL in it removed (``https://u:p@host`` ->
    ``https://***@host``): a transport's error names its endpoint, which may carry credentials."""
    return _USERINFO.sub(r"\g<scheme>***@", message)


def emit(
    events: Iterable[dict[str, Any]], transport: dict[str, Any] | None, secrets: Iterable[str] = ()
) -> int:
    """Send ``events`` through the client; returns how many. Raises :class:`LineageError` on failure.
    ``secrets``: environment variables whose values must not be copied into events (see make_client)."""
    client = make_client(transport, secrets)
    n = 0
    try:
        for e in events:
            client.emit(client_event(e))
            n += 1
    except LineageError:
        raise
    except Exception as exc:  # requests/kafka/file errors: their message names the endpoint, not values
        raise LineageError(f"{type(exc).__name__}: {without_credentials(str(exc))}") from None
    finally:
        client.close()
    return n


def secret_variables(policy: Any) -> list[str]:
    """The environment variables of a policy that hold secrets (masking key, log connection string)."""
    return [policy.key.env_var, policy.log.dsn_env]

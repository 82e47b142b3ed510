"""What a load, a purpose or a status looks like in a notebook: HTML, plain text and JSON.

Only names, categories, entity types, scores, strategies and counts are shown, never a cell value.
The JSON goes under the extension's own MIME type, which the JupyterLab renderer draws as chips;
HTML and text are the fallbacks for nbconvert, the classic notebook and terminals.
"""

from __future__ import annotations

import html
from typing import Any

LOAD_MIME = "application/vnd.jupyter-privacy.load+json"
STATUS_MIME = "application/vnd.jupyter-privacy.status+json"

_HONESTY = (
    "Masked columns are pseudonymised, not anonymised: under the GDPR they remain personal data "
    "(re-identifiable with the key or by linking)."
)
_COLOURS = {"direct": "#c62828", "special": "#6a1b9a", "quasi": "#ef6c00", "none": "#607d8b"}


def _chip(category: str) -> str:
    colour = _COLOURS.get(category, "#607d8b")
    return (
        f'<span style="background:{colour};color:#fff;border-radius:8px;padding:0 6px;'
        f'font-size:85%">{html.escape(category)}</span>'
    )


def _why(col: dict[str, Any]) -> str:
    """The deciding rule and its reasons (header word, vocabulary, recogniser) of a flagged column."""
    reasons = "; ".join(col.get("reasons") or [])
    rule = col.get("rule")
    return f"[{rule}] {reasons}" if rule else reasons


def load_bundle(summary: dict[str, Any], policy_note: str | None = None) -> dict[str, Any]:
    """The display bundle of a dataset summary (``Dataset.summary()``)."""
    masking = {m["column"]: m for m in summary["masking"]["columns"]}
    flagged = summary["flagged"]
    reid = summary.get("reidentification")

    lines = [
        f"jupyter-privacy: loaded {summary['source']} as {summary['id']} "
        f"({summary['rows']:,} rows x {summary['columns']} columns)",
        f"{len(flagged)} column(s) hold personal data; masked with key {summary['masking']['key_id']}",
    ]
    table = summary.get("table")
    if table:
        lines.append(f"rows describe: {table['subjects']} ({'; '.join(table['reasons'][:2])})")
    for col in flagged:
        m = masking.get(col["name"], {})
        cov = "" if col["coverage"] is None else f", coverage {col['coverage']:.0%}"
        lines.append(
            f"  {col['name']}: {col['category']} [{', '.join(col['entities'])}] score {col['score']:.2f}{cov}"
            f" -> {m.get('strategy', '?')}"
        )
        lines.append(f"    why: {_why(col)}")
    if reid:
        lines.append(
            f"re-identification: {reid['unique_share']:.1%} of rows unique on "
            f"{', '.join(reid['quasi_identifiers'])} (k = {reid['k']})"
        )
    if policy_note:
        lines.append(policy_note)
    lines.append(_HONESTY)

    rows = "".join(
        "<tr>"
        f"<td><code>{html.escape(col['name'])}</code></td><td>{_chip(col['category'])}</td>"
        f"<td>{html.escape(', '.join(col['entities']))}</td>"
        f"<td>{col['score']:.2f}</td>"
        f"<td>{'' if col['coverage'] is None else format(col['coverage'], '.0%')}</td>"
        f"<td>{html.escape(masking.get(col['name'], {}).get('strategy', ''))}</td>"
        f"<td style='font-size:85%'>{html.escape(_why(col))}</td>"
        "</tr>"
        for col in flagged
    )
    reid_html = (
        f"<p>Re-identification: <b>{reid['unique_share']:.1%}</b> of rows unique on "
        f"{html.escape(', '.join(reid['quasi_identifiers']))} (k = {reid['k']})</p>"
        if reid
        else ""
    )
    note_html = f"<p><b>{html.escape(policy_note)}</b></p>" if policy_note else ""
    body = (
        f"<div class='jp-privacy-load'><p><b>jupyter-privacy</b>: loaded <code>{html.escape(summary['source'])}</code>"
        f" as <code>{summary['id']}</code> ({summary['rows']:,} rows &times; {summary['columns']} columns);"
        f" {len(flagged)} column(s) hold personal data, masked with key <code>{summary['masking']['key_id']}</code>.</p>"
        + (
            "<table><thead><tr><th>column</th><th>category</th><th>entities</th><th>score</th>"
            f"<th>coverage</th><th>masking</th><th>why</th></tr></thead><tbody>{rows}</tbody></table>"
            if flagged
            else ""
        )
        + reid_html
        + note_html
        + f"<p style='font-size:85%'>{html.escape(_HONESTY)}</p></div>"
    )
    return {"text/plain": "\n".join(lines), "text/html": body, LOAD_MIME: summary}


def status_bundle(status: dict[str, Any]) -> dict[str, Any]:
    purpose = status["purpose"]
    lines = [
        f"notebook: {status['notebook']}",
        f"policy: {status['policy']['source']}"
        + (" (BUILT-IN DEFAULT)" if status["policy"]["default"] else "")
        + f", enforcement {status['policy']['enforcement']}",
        f"key: {status['key_id'] or 'not available'}",
        "purpose: "
        + (
            f"{purpose['purpose']} ({purpose['lawful_basis']}"
            + (f", ref {purpose['reference']}" if purpose["reference"] else "")
            + ")"
            if purpose
            else "none declared"
        ),
        f"datasets: {len(status['datasets'])}",
    ]
    for ds in status["datasets"]:
        names = ", ".join(f"{c['name']}({c['category']})" for c in ds["flagged"]) or "no personal data"
        lines.append(f"  {ds['id']} {ds['source']}: {names}")
    for grant in status["grants"]:
        lines.append(f"  unmasked: {grant['dataset']} {', '.join(grant['columns'])} for {grant['purpose']}")
    head = status["log_head"]
    if head and "seq" in head:
        event = head["event"] or "(another user's notebook of this path)"
        lines.append(f"log head: #{head['seq']} {event} {head['hash'][:16]}…")
    text = "\n".join(lines)
    return {"text/plain": text, "text/html": f"<pre>{html.escape(text)}</pre>", STATUS_MIME: status}

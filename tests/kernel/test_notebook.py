"""``examples/churn_demo.ipynb`` executed end to end in a real kernel (nbclient), then checked from outside.

The notebook runs once per module (about 10 s); the tests read its outputs, the files it wrote and the
processing log. nbclient does not send the ``cellId`` metadata JupyterLab sends with every
``execute_request``; the client below adds it, so the log can name cells as it does under JupyterLab.
The kernel's connection file is named ``kernel-<id>.json`` as jupyter_server names it.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from jupyter_privacy.ledger import LedgerRecord, SqliteLedgerStore, verify_chain

TOKEN_RE = re.compile(r"EMAIL_[0-9a-f]{8,}@masked\.invalid")
FEATURES = ["n_orders", "total_amount", "monthly_spend", "tenure_days", "birth_year", "premium", "basic"]
EXPECTED_EVENTS = [
    ("session_start", "load-ext"),
    ("dataset_loaded", "load-customers"),
    ("dataset_loaded", "load-orders"),
    ("model_trained", "train"),
    ("output_written", "outputs"),
    ("output_written", "outputs"),
    ("unmask_denied", "unmask-refused"),
    ("purpose_declared", "purpose"),
    ("unmask_granted", "unmask"),
]


@dataclass
class Run:
    workdir: Path
    notebook_path: Path
    ledger: Path
    kernel_id: str
    nb: Any  # the executed notebook
    records: list[LedgerRecord]

    def cell(self, cell_id: str) -> Any:
        return next(c for c in self.nb.cells if c.get("id") == cell_id)

    def sha(self, relative: str) -> str:
        return hashlib.sha256((self.workdir / relative).read_bytes()).hexdigest()


def execute_with_cell_ids(nb: Any, workdir: Path, kernel_id: str) -> None:
    """Run ``nb`` like JupyterLab would: each execute_request carries its cell's id."""
    km = KernelManager(kernel_name="python3", connection_file=str(workdir / f"kernel-{kernel_id}.json"))
    current: dict[str, str | None] = {"id": None}
    client = NotebookClient(
        nb, km=km, kernel_name="python3", timeout=180, resources={"metadata": {"path": str(workdir)}}
    )

    def on_cell_execute(cell: Any, cell_index: int) -> None:
        current["id"] = cell.get("id")
        session = client.kc.session
        if not getattr(session, "_adds_cell_id", False):
            original: Callable[..., Any] = session.msg

            def msg(msg_type: str, content: Any = None, *args: Any, **kwargs: Any) -> Any:
                message = original(msg_type, content, *args, **kwargs)
                if msg_type == "execute_request":
                    message["metadata"]["cellId"] = current["id"]
                return message

            session.msg = msg
            session._adds_cell_id = True

    client.on_cell_execute = on_cell_execute
    client.execute()


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory,
    examples_dir: Path,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> Iterator[Run]:
    workdir = tmp_path_factory.mktemp("demo")
    shutil.copytree(examples_dir / "data", workdir / "data")
    notebook_path = workdir / "churn_demo.ipynb"
    shutil.copy(examples_dir / "churn_demo.ipynb", notebook_path)
    policy, ledger = policy_writer(workdir)
    kernel_id = str(uuid.uuid4())
    nb = nbformat.read(notebook_path, as_version=4)
    with pytest.MonkeyPatch.context() as mp:  # the kernel subprocess inherits these
        mp.setenv("JUPYTER_PRIVACY_POLICY", str(policy))
        mp.setenv("JUPYTER_PRIVACY_KEY", test_key)
        mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(notebook_path))
        execute_with_cell_ids(nb, workdir, kernel_id)
    store = SqliteLedgerStore(ledger, readonly=True)
    try:
        records = list(store.records(str(notebook_path.resolve())))
        report = verify_chain(store, str(notebook_path.resolve()))
        assert report.ok, report.summary()
    finally:
        store.close()
    yield Run(workdir, notebook_path.resolve(), ledger, kernel_id, nb, records)


def outputs_text(nb: Any) -> str:
    """Every output of every cell, serialised (all MIME types, streams, errors)."""
    return "\n".join(json.dumps(c.get("outputs", []), ensure_ascii=False) for c in nb.cells)


def cell_text(cell: Any) -> str:
    parts = []
    for out in cell.outputs:
        if "text" in out:
            parts.append(out["text"])
        for value in out.get("data", {}).values():
            parts.append(value if isinstance(value, str) else json.dumps(value))
    return "\n".join(parts)


def raw_values(workdir: Path) -> dict[str, set[str]]:
    customers = pd.read_csv(workdir / "data" / "customers.csv", dtype=str)
    return {
        col: set(customers[col].dropna())
        for col in ("email", "phone", "first_name", "last_name", "street_address")
    }


# -- (a) the processing log -------------------------------------------------------------------------------


def test_events_in_order_from_the_right_cells(run: Run) -> None:
    assert [(r.event, r.cell_id) for r in run.records[1:]] == EXPECTED_EVENTS[1:]
    assert run.records[0].event == "session_start"
    assert [r.seq for r in run.records] == list(range(1, len(EXPECTED_EVENTS) + 1))


def test_every_record_names_kernel_cell_execution_count_and_code(run: Run) -> None:
    # session_start is checked by test_session_start_names_the_load_ext_cell (a known gap)
    for record, (_event, cell_id) in zip(run.records[1:], EXPECTED_EVENTS[1:], strict=True):
        cell = run.cell(cell_id)
        assert record.kernel_id == run.kernel_id
        assert record.cell_id == cell_id
        assert record.code_sha256 == hashlib.sha256(cell.source.encode("utf-8")).hexdigest()
        assert record.notebook == str(run.notebook_path)
        assert isinstance(record.execution_count, int)


def test_execution_count_is_the_cells_prompt_number(run: Run) -> None:
    for record, (_event, cell_id) in zip(run.records[1:], EXPECTED_EVENTS[1:], strict=True):
        assert record.execution_count == run.cell(cell_id).execution_count, cell_id


def test_session_start_names_the_load_ext_cell(run: Run) -> None:
    record, cell = run.records[0], run.cell("load-ext")
    assert record.kernel_id == run.kernel_id
    assert record.cell_id == "load-ext"
    assert record.execution_count == cell.execution_count
    assert record.code_sha256 == hashlib.sha256(cell.source.encode("utf-8")).hexdigest()


def test_session_start_payload(run: Run) -> None:
    payload = run.records[0].payload
    assert payload["policy_default"] is False
    assert payload["enforcement"] == "enforce"
    assert payload["interception"] is True
    assert payload["key_id"].startswith("kid-")
    assert run.records[0].kernel_id == run.kernel_id


def _loaded(run: Run, name: str) -> dict[str, Any]:
    source = str(run.workdir / "data" / name)
    matches = [
        r.payload for r in run.records if r.event == "dataset_loaded" and r.payload["source"] == source
    ]
    assert len(matches) == 1, [r.payload.get("source") for r in run.records]
    return matches[0]


def test_dataset_loaded_records(run: Run) -> None:
    customers = _loaded(run, "customers.csv")
    orders = _loaded(run, "orders.parquet")
    assert customers["content_sha256"] == run.sha("data/customers.csv")
    assert orders["content_sha256"] == run.sha("data/orders.parquet")
    assert customers["shape"] == [400, 14] and orders["shape"] == [1500, 6]
    assert customers["variable"] is None and orders["variable"] == "orders"

    findings = {f["name"]: f for f in customers["findings"]}
    assert list(findings) == list(pd.read_csv(run.workdir / "data" / "customers.csv", nrows=1).columns)
    for column in ("email", "phone", "first_name", "last_name", "street_address"):
        assert findings[column]["category"] == "direct", column
    assert findings["email"]["entities"] == ["EMAIL_ADDRESS"]
    assert findings["phone"]["entities"] == ["PHONE_NUMBER"]
    assert findings["first_name"]["entities"] == ["PERSON"]
    assert findings["last_name"]["entities"] == ["PERSON"]
    for column in ("date_of_birth", "postcode"):
        assert findings[column]["category"] == "quasi", column
    for column in ("customer_id", "plan", "monthly_spend", "churned"):
        assert findings[column]["category"] == "none", column

    masking = {m["column"]: m for m in customers["masking"]["columns"]}
    assert customers["masking"]["key_id"] == run.records[0].payload["key_id"]
    for column in ("email", "phone", "first_name", "last_name", "street_address"):
        assert masking[column]["strategy"] == "pseudonymise", column
    assert masking["date_of_birth"]["strategy"] == "generalise"
    assert masking["postcode"]["strategy"] == "generalise"
    assert set(masking) == {n for n, f in findings.items() if f["category"] != "none"}

    ofindings = {f["name"]: f for f in orders["findings"]}
    assert ofindings["email"]["category"] == "direct"
    assert ofindings["support_note"]["category"] == "direct"
    omasking = {m["column"]: m for m in orders["masking"]["columns"]}
    assert omasking["email"]["strategy"] == "pseudonymise"
    assert omasking["support_note"]["strategy"] == "free_text"
    assert omasking["support_note"]["spans"].get("EMAIL_ADDRESS", 0) > 0
    assert omasking["support_note"]["spans"].get("PHONE_NUMBER", 0) > 0


def _ids(run: Run) -> list[str]:
    return sorted(r.payload["dataset"] for r in run.records if r.event == "dataset_loaded")


def test_model_trained_record(run: Run) -> None:
    (model,) = [r.payload for r in run.records if r.event == "model_trained"]
    assert model["datasets"] == _ids(run)
    assert model["columns"] == FEATURES
    assert model["variable"] == "model"
    assert model["model_class"].startswith("sklearn.")
    assert model["rows"] > 0  # (c) the join on pseudonymised e-mails found matching rows


def test_output_written_records(run: Run) -> None:
    outputs = {r.payload["path"]: r.payload for r in run.records if r.event == "output_written"}
    scores = str((run.workdir / "output" / "churn_scores.csv").resolve())
    model = str((run.workdir / "output" / "churn_model.joblib").resolve())
    assert set(outputs) == {scores, model}
    assert outputs[scores]["sha256"] == run.sha("output/churn_scores.csv")
    assert outputs[model]["sha256"] == run.sha("output/churn_model.joblib")
    assert outputs[scores]["datasets"] == _ids(run)
    assert outputs[model]["datasets"] == _ids(run)
    assert outputs[scores]["columns"] == ["email", "churn_score"]
    assert outputs[scores]["via"] == "to_csv"
    assert (outputs[model]["via"], outputs[model]["kind"]) == ("joblib.dump", "model")


def test_unmask_and_purpose_records(run: Run) -> None:
    by_event = {r.event: r.payload for r in run.records}
    customers_id = _loaded(run, "customers.csv")["dataset"]
    denied, granted = by_event["unmask_denied"], by_event["unmask_granted"]
    assert denied["dataset"] == granted["dataset"] == customers_id
    assert denied["purpose"] is None and "no purpose declared" in denied["reason"]
    assert [c["name"] for c in denied["columns"]] == ["email"]
    declared = by_event["purpose_declared"]
    assert (declared["purpose"], declared["lawful_basis"], declared["reference"]) == (
        "churn-model",
        "legitimate_interest",
        "LIA-2026-014",
    )
    assert (granted["purpose"], granted["reference"], granted["reason"]) == (
        "churn-model",
        "LIA-2026-014",
        None,
    )
    assert granted["columns"] == [{"name": "email", "category": "direct", "entities": ["EMAIL_ADDRESS"]}]


# -- (b) no raw value anywhere ------------------------------------------------------------------------------


def _leaks(text: str, values: dict[str, set[str]]) -> list[tuple[str, str]]:
    found = []
    for column, vals in values.items():
        for value in vals:
            if column in ("first_name", "last_name"):
                # names are words: match whole words only ("Mark" must not match "Marked")
                if re.search(rf"(?<![\w]){re.escape(value)}(?![\w])", text):
                    found.append((column, value))
            elif value in text:
                found.append((column, value))
    return found


def test_no_raw_value_in_any_notebook_output(run: Run) -> None:
    values = raw_values(run.workdir)
    assert sum(map(len, values.values())) > 1500
    assert _leaks(outputs_text(run.nb), values) == []


def test_no_raw_value_in_the_processing_log_file(run: Run) -> None:
    blob = b"".join(p.read_bytes() for p in (run.ledger, Path(f"{run.ledger}-wal")) if p.exists()).decode(
        "latin-1"
    )
    # the log itself is readable and holds the records we checked
    with sqlite3.connect(f"file:{run.ledger}?mode=ro", uri=True) as con:
        assert con.execute("select count(*) from sqlite_master").fetchone()[0] > 0
    values = {
        k: {v.encode("utf-8").decode("latin-1") for v in vs} for k, vs in raw_values(run.workdir).items()
    }
    assert _leaks(blob, values) == []


def test_no_raw_email_in_the_written_scores(run: Run) -> None:
    text = (run.workdir / "output" / "churn_scores.csv").read_text("utf-8")
    assert not [e for e in raw_values(run.workdir)["email"] if e in text]
    assert len(TOKEN_RE.findall(text)) == 394


def test_join_cell_shows_tokens_and_matching_rows(run: Run) -> None:
    text = cell_text(run.cell("join"))
    assert TOKEN_RE.search(text), text[:500]
    assert "PHONE_" in text and "PERSON_" in text
    assert "joined rows: 1500 (orders: 1500, customers: 400)" in text  # (c) every order found its customer


def test_refusal_and_unmask_outputs(run: Run) -> None:
    refused = run.cell("unmask-refused")
    # IPython shows a UsageError as one line on stderr, without a traceback
    assert [(o.output_type, o.get("name")) for o in refused.outputs] == [("stream", "stderr")]
    (line,) = refused.outputs[0].text.strip().splitlines()
    assert line.startswith("UsageError: jupyter-privacy: no purpose declared: declare one first")
    unmask_text = cell_text(run.cell("unmask"))
    assert "unmasked email in contacts for purpose churn-model" in unmask_text
    assert "(400, 14)" in unmask_text
    status = cell_text(run.cell("status"))
    assert "purpose: churn-model (legitimate_interest, ref LIA-2026-014)" in status
    assert "unmasked:" in status


def test_no_cell_failed_or_warned(run: Run) -> None:
    failed = [c.id for c in run.nb.cells if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert failed == []
    stderr = [c.id for c in run.nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert stderr == ["unmask-refused"]


def test_the_example_notebook_is_saved_clean(examples_dir: Path) -> None:
    nb = nbformat.read(examples_dir / "churn_demo.ipynb", as_version=4)
    nbformat.validate(nb)
    ids = [c.id for c in nb.cells]
    assert len(ids) == len(set(ids))
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id
    assert nb.cells[[c.id for c in nb.cells].index("unmask-refused")].metadata["tags"] == ["raises-exception"]


def test_load_summary_says_which_rule_flagged_each_column(run: Run) -> None:
    """Issue 9 item 7: every flagged column in the inline summary carries its rule and reasons."""
    text = "\n".join(cell_text(c) for c in run.nb.cells if c.cell_type == "code")
    why = [line.strip() for line in text.splitlines() if line.strip().startswith("why: [")]
    assert why, "no 'why:' line in the load summaries"
    assert any(w.startswith("why: [recognizer]") and "EMAIL_ADDRESS" in w for w in why)
    assert any(w.startswith("why: [header]") and "column name matches" in w for w in why)

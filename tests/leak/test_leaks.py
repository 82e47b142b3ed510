"""Leak scan (issue 9): no raw value of an adversarial input reaches any artefact of the tool.

One notebook runs in a real kernel (nbclient) over inputs built to push personal data into places a
scanner of cell values does not look: a headerless CSV (its first person becomes the header), a JSON
object keyed by e-mail address, a pivot of an unmasked frame written to a file (e-mails become column
names), names as the index (``index_col=``, a Parquet file with a named index), and a read error that
quotes a value. Then every artefact is searched for the raw e-mails, names and phone numbers: the
processing log (decoded), its sidecar databases, the saved notebook (inline summaries, errors),
``%privacy_export`` files, live OpenLineage events, the CLI's exports, and the server's REST answers.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
import yaml
from faker import Faker
from jupyter_client.manager import KernelManager
from leakscan import LeakScanner
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from jupyter_privacy.ledger import SqliteLedgerStore

PEOPLE = 30
KEY = "5f" * 32
EXAMPLE_POLICY = Path(__file__).resolve().parents[2] / "examples" / "privacy_policy.yaml"
CELLS = {
    "load-ext": "%load_ext jupyter_privacy\nimport os\nimport pandas as pd\nos.makedirs('out', exist_ok=True)",
    "headerless": "h = %privacy_load data/headerless.csv",
    "headerless-pandas": "h2 = pd.read_csv('data/headerless.csv')\nh2.shape",
    "headerless-hint": "h3 = pd.read_csv('data/headerless.csv', header=None)\nh3.shape",
    "keyed": "k = %privacy_load data/keyed.json",
    "keyed-pandas": "k2 = pd.read_json('data/keyed.json')\nk2.shape",
    "keyed-hint": "k3 = pd.read_json('data/keyed.json', orient='index')\nk3.shape",
    "people": "c = %privacy_load data/people.csv",
    "purpose": "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014",
    "unmask": "%privacy_unmask c --columns email",
    "pivot": (
        "p = c.pivot_table(index='plan', columns='email', values='amount', aggfunc='sum')\n"
        "p.to_csv('out/pivot.csv')\n"
        "c.set_index('email')[['amount']].T.to_parquet('out/wide.parquet')"
    ),
    "scan-pivot": "%privacy_scan p",
    "chunks": "parts = list(pd.read_csv('data/people.csv', chunksize=10))",
    "around": "text = open('data/people.csv').read()",
    "index-pandas": "ix = pd.read_csv('data/people.csv', index_col='name')\nix.shape",
    "index-parquet": "ix2 = %privacy_load data/by_name.parquet",
    "index-written": "ix2.to_csv('out/by_name.csv')",
    "read-error": "pd.read_csv('data/people.csv', dtype={'email': 'int64'})",
    # parser errors that quote a value without quotes (pandas' date parser)
    "read-error-period": "pd.read_csv('data/people.csv', dtype={'email': 'period[D]'})",
    "read-error-converter": "pd.read_csv('data/people.csv', converters={'name': pd.to_datetime})",
    "read-error-chunk": "for part in pd.read_csv('data/people.csv', chunksize=10, dtype={'email': 'period[D]'}):\n    pass",
    "read-error-excel": "pd.read_excel('data/people.xlsx', converters={'email': pd.Timestamp})",
    # a workbook without a header row, and names as MultiIndex levels
    "excel-headerless": "xh = %privacy_load data/headerless.xlsx",
    "excel-headerless-pandas": "xh2 = pd.read_excel('data/headerless.xlsx')",
    "multiindex-load": "mi = %privacy_load data/by_email_name.parquet",
    "multiindex-written": "mi.to_csv('out/mi.csv')",
    "multi-pivot": "c.pivot_table(index='plan', columns=['name', 'email'], values='amount').to_csv('out/multi.csv')",
    # a raw value as a file name (a report per customer), as a renamed column, and in a flag
    "per-person-file": "first = c['email'].iloc[0]\nc[c.email == first].to_csv(f'out/{first}.csv')",
    "renamed-raw": "c.rename(columns={'email': c['email'].iloc[1]}).to_csv('out/renamed.csv')",
    "named-file-load": "import glob, jupyter_privacy\nnamed = jupyter_privacy.load(glob.glob('data/*@*.org.csv')[0])",
    "named-file-magic": "named2 = %privacy_load {glob.glob('data/*@*.org.csv')[0]}",
    "missing-named-file": "%privacy_load out/{c['email'].iloc[5]}.parquet",
    # a model trained on the file named by a person, logged to MLflow (its database is in privacy/)
    "mlflow": (
        "import mlflow, pathlib\nfrom sklearn.linear_model import LinearRegression\n"
        "mlflow.set_tracking_uri('sqlite:///' + str(pathlib.Path('privacy/mlflow.db').resolve()))\n"
        "model = LinearRegression().fit(named2[['amount']], named2['amount'])\n"
        "with mlflow.start_run():\n"
        "    mlflow.sklearn.log_model(model, name='m', serialization_format='cloudpickle')"
    ),
    "named-headerless-read": "pd.read_csv(glob.glob('data/*@*-headerless.csv')[0])",
    "missing-named-read": "pd.read_csv(f\"out/{c['email'].iloc[6]}.csv\")",
    "shell-peek": "src = 'data/people.csv'\n!head -3 {src} > /dev/null\n!wc -l data/people.csv > /dev/null",
    "wide-load": "w = %privacy_load out/wide.parquet",
    "flag-token": "%privacy_flag w {w.columns[0]} special HEALTH",
    "flag-raw": "%privacy_flag w {c['email'].iloc[2]} special HEALTH",
    "status": "%privacy_status",
    "export-json": "%privacy_export --format json --output out/record.json",
    "export-html": "%privacy_export --format html --output out/record.html",
}


READ_ERRORS = [
    "read-error",
    "read-error-period",
    "read-error-converter",
    "read-error-chunk",
    "read-error-excel",
]


@dataclass
class LeakRun:
    workdir: Path
    notebook: Path
    policy: Path
    ledger: Path
    lineage: Path
    env: dict[str, str]
    people: pd.DataFrame

    def scanner(self) -> LeakScanner:
        values = [*self.people["email"], *self.people["name"], *self.people["phone"]]
        return LeakScanner(values)

    def records(self) -> list[Any]:
        store = SqliteLedgerStore(self.ledger, readonly=True)
        try:
            return list(store.records(str(self.notebook)))
        finally:
            store.close()


def make_people(n: int = PEOPLE) -> pd.DataFrame:
    fake = Faker("nl_NL")
    fake.seed_instance(9)
    rng = random.Random(9)
    rows = []
    for i in range(n):
        first, last = fake.first_name(), fake.last_name()
        rows.append(
            {
                "email": f"{first.lower()}.{last.lower().replace(' ', '')}{i}@example.org",
                "name": f"{first} {last}",
                "phone": f"+31 6 {rng.randrange(10**7, 10**8)}",
                "plan": rng.choice(["basic", "premium"]),
                "amount": round(rng.uniform(5, 500), 2),
            }
        )
    return pd.DataFrame(rows)


def write_inputs(data: Path, people: pd.DataFrame) -> None:
    data.mkdir()
    people.to_csv(data / "people.csv", index=False)
    people.to_csv(data / "headerless.csv", index=False, header=False)
    keyed = {
        r.email: {"name": r.name, "phone": r.phone, "plan": r.plan, "amount": r.amount}
        for r in people.itertuples()
    }
    (data / "keyed.json").write_text(json.dumps(keyed, indent=1), "utf-8")
    people.set_index("name").to_parquet(data / "by_name.parquet")
    people.set_index(["email", "name"]).to_parquet(data / "by_email_name.parquet")
    people.to_excel(data / "people.xlsx", index=False)
    people.to_excel(data / "headerless.xlsx", index=False, header=False)
    people.iloc[3:9].to_csv(data / f"{people['email'].iloc[3]}.csv", index=False)
    people.to_csv(data / f"{people['email'].iloc[7]}-headerless.csv", index=False, header=False)


def write_policy(directory: Path, lineage: Path) -> tuple[Path, Path]:
    """The example policy with its log, sidecars and live OpenLineage events in ``directory``."""
    policy = yaml.safe_load(EXAMPLE_POLICY.read_text("utf-8"))
    ledger = directory / "ledger.sqlite3"
    policy["log"]["path"] = str(ledger)
    policy["openlineage"].update(enabled=True, transport="file", file=str(lineage))
    path = directory / "privacy_policy.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False), "utf-8")
    return path, ledger


@pytest.fixture(scope="module")
def leak_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LeakRun]:
    workdir = tmp_path_factory.mktemp("leak")
    people = make_people()
    write_inputs(workdir / "data", people)
    lineage = workdir / "privacy" / "openlineage.jsonl"
    (workdir / "privacy").mkdir()
    policy, ledger = write_policy(workdir / "privacy", lineage)
    notebook = (workdir / "leaky.ipynb").resolve()
    nb = new_notebook(cells=[new_code_cell(code, id=cid) for cid, code in CELLS.items()])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    # every load shows its progress line too (it names the file)
    env = {
        "JUPYTER_PRIVACY_POLICY": str(policy),
        "JUPYTER_PRIVACY_KEY": KEY,
        "JUPYTER_PRIVACY_PROGRESS_AFTER": "0",
    }
    with pytest.MonkeyPatch.context() as mp:  # the kernel subprocess inherits these
        for name, value in {**env, "JUPYTER_PRIVACY_NOTEBOOK": str(notebook)}.items():
            mp.setenv(name, value)
        km = KernelManager(kernel_name="python3")
        client = NotebookClient(
            nb, km=km, timeout=180, allow_errors=True, resources={"metadata": {"path": str(workdir)}}
        )
        client.execute()
    nbformat.write(nb, notebook)
    yield LeakRun(workdir, notebook, policy, ledger, lineage, {**os.environ, **env}, people)


def test_the_run_did_what_the_scan_relies_on(leak_run: LeakRun) -> None:
    """Guards the leak tests against passing vacuously: the loads, the unmask and the writes happened."""
    events = [r.event for r in leak_run.records()]
    assert events.count("dataset_loaded") >= 5, events
    assert "unmask_granted" in events
    shell = [r.payload["via"] for r in leak_run.records() if r.event == "ungoverned_read"]
    assert "shell: head" in shell and "shell: wc" in shell, shell  # in a real kernel too
    assert events.count("output_written") >= 2, events
    nb = nbformat.read(leak_run.notebook, as_version=4)
    failed = [c.id for c in nb.cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    # plain pandas reads of a file whose column names are people are refused, saying how to read it
    assert failed == [
        "headerless-pandas",
        "keyed-pandas",
        *READ_ERRORS,
        "excel-headerless-pandas",
        "named-headerless-read",
        "missing-named-read",
    ], failed
    errors = {c.id: c.outputs[-1]["evalue"] for c in nb.cells if c.id in failed}
    assert all("quoted values hidden" in errors[cell] for cell in READ_ERRORS), errors
    assert "header=None" in errors["excel-headerless-pandas"]
    assert "No such file" in errors["missing-named-read"] and "EMAIL_" in errors["missing-named-read"]
    assert "header=None" in errors["headerless-pandas"] and "%privacy_load" in errors["headerless-pandas"]
    assert "orient='index'" in errors["keyed-pandas"]
    assert "quoted values hidden" in errors["read-error"]


def test_no_raw_value_in_kernel_artefacts(leak_run: LeakRun) -> None:
    scanner = leak_run.scanner()
    # the log, its sidecars (erasure fingerprints, the grants' raw-value fingerprints), live lineage
    for path in sorted(leak_run.ledger.parent.rglob("*")):
        if path.suffix not in (".yaml",) and path.is_file() and path.stat().st_size:
            scanner.file(f"log-dir:{path.relative_to(leak_run.ledger.parent)}", path)
    scanner.file("saved-notebook", leak_run.notebook)
    scanner.file("privacy_export-json", leak_run.workdir / "out" / "record.json")
    scanner.file("privacy_export-html", leak_run.workdir / "out" / "record.html")
    assert any(s.startswith("log-dir:ledger.sqlite3") for s in scanner.scanned)
    assert any(s.startswith("log-dir:ledger.sqlite3.grants/") for s in scanner.scanned)
    assert any(s.startswith("log-dir:ledger.sqlite3.fingerprints") for s in scanner.scanned)
    assert any(s.startswith("log-dir:mlflow.db") for s in scanner.scanned)
    assert leak_run.lineage.exists(), "live OpenLineage events were not written"
    assert not scanner.leaks, scanner.report()


def _cli(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_privacy", *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout + proc.stderr


def test_no_raw_value_in_cli_exports(leak_run: LeakRun) -> None:
    scanner = leak_run.scanner()
    nb = str(leak_run.notebook)
    for fmt in ("json", "csv", "html"):
        scanner.text(f"cli-export-{fmt}", _cli(leak_run.env, "export", "--notebook", nb, "--format", fmt))
    scanner.jsonl("cli-lineage", _cli(leak_run.env, "lineage", "--notebook", nb))
    scanner.text("cli-verify", _cli(leak_run.env, "verify", "--notebook", nb))
    assert not scanner.leaks, scanner.report()


@pytest.fixture
def jp_root_dir(leak_run: LeakRun) -> Path:
    return leak_run.workdir


@pytest.fixture
def jp_server_config(leak_run: LeakRun) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_privacy": True}},
        "JupyterPrivacy": {
            "policy_path": str(leak_run.policy),
            "alias_path": str(leak_run.workdir / "privacy" / "aliases.json"),
        },
    }


async def test_no_raw_value_in_rest_responses(jp_fetch: Any, leak_run: LeakRun) -> None:
    scanner = leak_run.scanner()
    name = leak_run.notebook.name
    cells = 0
    for endpoint in ("state", "timeline", "records", "verify"):
        params = {"path": name}
        if endpoint == "timeline":  # every cell, older ones included (after the state read)
            params.update(before=str(cells), limit="200")
        response = await jp_fetch("jupyter-privacy", endpoint, params=params)
        body = json.loads(response.body)
        if endpoint == "records":
            assert any(r["event"] == "dataset_loaded" for r in body["records"])
        if endpoint == "timeline":
            assert body["timeline"], body  # the scan reads every cell of the timeline
        if endpoint == "state":
            cells = body["timeline_cells"]
        scanner.json(f"rest-{endpoint}", body)
    for fmt in ("json", "html", "csv"):
        response = await jp_fetch(
            "jupyter-privacy", "export", method="POST", body=json.dumps({"path": name, "format": fmt})
        )
        scanner.text(f"rest-export-{fmt}", response.body.decode("utf-8"))
    assert not scanner.leaks, scanner.report()

"""The purpose gate, unmasking, errors, ``--help``, the Python API and interception.

Most tests use an in-process IPython shell (fast; the extension's code paths are the same); the purpose
and unmask flow also runs once in a real kernel (nbclient), where the error output can be read as a user
sees it. Raw values are compared inside the tests only, never printed by the notebooks.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

import jupyter_privacy
from jupyter_privacy.kernel.errors import PurposeError, UnmaskDenied
from jupyter_privacy.kernel.session import datasets_of
from jupyter_privacy.ledger import LedgerRecord, SqliteLedgerStore, verify_chain
from jupyter_privacy.mask import MissingKeyError

MAGICS = [
    "privacy_purpose",
    "privacy_load",
    "privacy_unmask",
    "privacy_status",
    "privacy_export",
    "privacy_scan",
    "privacy_flag",
]
HEALTH_CSV = """patient_id,full_name,diagnosis,visit_date
PAT00000001,Anna de Vries,type 2 diabetes,2025-01-03
PAT00000002,Jan Jansen,asthma,2025-01-04
PAT00000003,Piet Bakker,major depressive disorder,2025-01-05
PAT00000004,Els Visser,hypertension,2025-01-06
PAT00000005,Kees Smit,asthma,2025-01-07
PAT00000006,Mia Meijer,HIV infection,2025-01-08
PAT00000007,Tom de Boer,type 1 diabetes,2025-01-09
PAT00000008,Sara Mulder,breast cancer,2025-01-10
"""
RAW_READ_CSV = pd.read_csv  # the original reader, before any test loads the extension


@dataclass
class Env:
    shell: InteractiveShell
    workdir: Path
    ledger: Path
    notebook: str

    def magic(self, name: str, line: str = "") -> Any:
        return self.shell.run_line_magic(name, line)

    def records(self) -> list[LedgerRecord]:
        if not self.ledger.exists():
            return []
        store = SqliteLedgerStore(self.ledger, readonly=True)
        try:
            return list(store.records(self.notebook))
        finally:
            store.close()

    def events(self) -> list[str]:
        return [r.event for r in self.records()]

    def raw_customers(self) -> pd.DataFrame:
        return RAW_READ_CSV(self.workdir / "data" / "customers.csv")


def _prepare(workdir: Path, examples_dir: Path) -> None:
    shutil.copytree(examples_dir / "data", workdir / "data")
    (workdir / "data" / "health.csv").write_text(HEALTH_CSV, "utf-8")
    (workdir / "data" / "broken.parquet").write_bytes(b"PAR1 this is not a parquet file")


@pytest.fixture
def make_env(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    examples_dir: Path,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> Iterator[Callable[..., Env]]:
    shell = InteractiveShell.instance()
    loaded: list[bool] = []

    def make(*, key: bool = True, **policy_changes: Any) -> Env:
        _prepare(tmp_path, examples_dir)
        policy, ledger = policy_writer(tmp_path, **policy_changes)
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(policy))
        monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(tmp_path / "gate.ipynb"))
        if key:
            monkeypatch.setenv("JUPYTER_PRIVACY_KEY", test_key)
        else:
            monkeypatch.delenv("JUPYTER_PRIVACY_KEY", raising=False)
        shell.reset(new_session=False)  # the in-process shell is shared: start from an empty namespace
        shell.run_line_magic("load_ext", "jupyter_privacy")
        loaded.append(True)
        return Env(shell, tmp_path, ledger, str((tmp_path / "gate.ipynb").resolve()))

    yield make
    if loaded:
        shell.run_line_magic("unload_ext", "jupyter_privacy")


@pytest.fixture
def env(make_env: Callable[..., Env]) -> Env:
    return make_env()


# -- purpose declarations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "nope --basis consent",
            "unknown purpose 'nope'; the policy (.*) defines: churn-model, marketing-consent",
        ),
        (
            "churn-model --basis consent --ref LIA-2026-014",
            "lawful basis 'consent' is not allowed for purpose 'churn-model'; allowed: legitimate_interest",
        ),
        ("churn-model --ref LIA-2026-014", "purpose 'churn-model' needs a lawful basis \\(--basis\\)"),
        (
            "churn-model --basis legitimate_interest",
            "purpose 'churn-model' needs a reference to its assessment document \\(--ref\\)",
        ),
        (
            "churn-model --basis legitimate_interest --ref LIA-26-14",
            "reference 'LIA-26-14' is not valid for purpose 'churn-model': expected Entry in the LIA register",
        ),
        (
            "marketing-consent --basis consent --ref CONSENT-ZZZZZZ",
            "reference 'CONSENT-ZZZZZZ' is not valid for purpose 'marketing-consent'",
        ),
        (
            "churn-model --basis legitimate_interest --ref LIA-2026-014 --art9 explicit_consent",
            "allows no special-category data",
        ),
        (
            "clinical-research --basis consent --ref METC-2026-12 --art9 vital_interests",
            "Art. 9 condition 'vital_interests' does not match purpose 'clinical-research'",
        ),
        ("", "name a purpose; the policy defines: churn-model, marketing-consent, clinical-research"),
    ],
)
def test_refused_declarations(env: Env, line: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        env.magic("privacy_purpose", line)
    assert jupyter_privacy.status()["purpose"] is None
    assert "purpose_declared" not in env.events()


def test_accepted_declaration_is_logged(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    env.magic("privacy_purpose", "churn-model --basis legitimate_interest --ref LIA-2026-014")
    assert (
        "purpose declared: churn-model (legitimate_interest, reference LIA-2026-014)"
        in capsys.readouterr().out
    )
    assert env.events() == ["session_start", "purpose_declared"]


# -- unmasking -----------------------------------------------------------------------------------------------


def test_unmask_needs_a_purpose_and_only_allowed_columns(env: Env) -> None:
    env.magic("privacy_load", "data/customers.csv --as customers --quiet")
    with pytest.raises(UsageError, match="no purpose declared: declare one first"):
        env.magic("privacy_unmask", "customers --columns email")
    env.magic("privacy_purpose", "churn-model --basis legitimate_interest --ref LIA-2026-014")
    with pytest.raises(UsageError, match=r"does not allow raw access to: phone \(direct: PHONE_NUMBER\)"):
        env.magic("privacy_unmask", "customers --columns email,phone")
    env.magic("privacy_unmask", "customers --columns email --as contacts")
    contacts, customers = env.shell.user_ns["contacts"], env.shell.user_ns["customers"]
    raw = env.raw_customers()
    assert contacts["email"].tolist() == raw["email"].tolist()
    assert contacts["phone"].str.startswith("PHONE_").all()  # only the granted column is raw
    assert customers["email"].str.endswith("@masked.invalid").all()  # --as leaves the original masked
    assert env.events() == [
        "session_start",
        "dataset_loaded",
        "unmask_denied",
        "purpose_declared",
        "unmask_denied",
        "unmask_granted",
    ]


def test_unmask_of_a_selection_keeps_its_rows(env: Env) -> None:
    env.magic("privacy_load", "data/customers.csv --as customers --quiet")
    env.magic("privacy_purpose", "churn-model --basis legitimate_interest --ref LIA-2026-014")
    env.shell.run_cell("subset = customers[customers['plan'] == 'premium'][['email', 'plan']]")
    env.magic("privacy_unmask", "subset --columns email")
    subset = env.shell.user_ns["subset"]
    raw = env.raw_customers()
    assert subset["email"].tolist() == raw.loc[raw["plan"] == "premium", "email"].tolist()


def test_special_category_needs_the_art9_condition(env: Env) -> None:
    env.magic("privacy_load", "data/health.csv --as visits --quiet")
    env.magic("privacy_purpose", "clinical-research --basis consent --ref METC-2026-12")
    with pytest.raises(
        UsageError, match=r"diagnosis is a special category \(HEALTH\).*--art9 explicit_consent"
    ):
        env.magic("privacy_unmask", "visits --columns diagnosis")
    denied = env.records()[-1]
    assert denied.event == "unmask_denied" and denied.payload["columns"][0]["category"] == "special"
    env.magic(
        "privacy_purpose", "clinical-research --basis consent --ref METC-2026-12 --art9 explicit_consent"
    )
    env.magic("privacy_unmask", "visits --columns diagnosis --as raw_visits")
    assert "asthma" in set(env.shell.user_ns["raw_visits"]["diagnosis"])
    granted = env.records()[-1]
    assert granted.event == "unmask_granted" and granted.payload["art9_condition"] == "explicit_consent"


def test_purpose_change_masks_granted_columns_again(env: Env) -> None:
    env.magic("privacy_load", "data/customers.csv --as customers --quiet")
    env.magic("privacy_purpose", "churn-model --basis legitimate_interest --ref LIA-2026-014")
    env.magic("privacy_unmask", "customers --columns email --as contacts")
    contacts = env.shell.user_ns["contacts"]
    assert contacts["email"].tolist() == env.raw_customers()["email"].tolist()
    env.magic("privacy_purpose", "marketing-consent --basis consent --ref CONSENT-2026A1")
    assert contacts["email"].tolist() == env.shell.user_ns["customers"]["email"].tolist()
    assert contacts["email"].str.endswith("@masked.invalid").all()
    assert jupyter_privacy.status()["grants"] == []


def test_redeclaring_the_same_purpose_keeps_grants(env: Env) -> None:
    env.magic("privacy_load", "data/customers.csv --as customers --quiet")
    env.magic("privacy_purpose", "churn-model --basis legitimate_interest --ref LIA-2026-014")
    env.magic("privacy_unmask", "customers --columns email --as contacts")
    env.magic("privacy_purpose", "churn-model --basis legitimate_interest --ref LIA-2026-015")
    assert env.shell.user_ns["contacts"]["email"].tolist() == env.raw_customers()["email"].tolist()


def test_unmask_of_a_merged_frame_is_refused(env: Env) -> None:
    env.magic("privacy_load", "data/customers.csv --as customers --quiet")
    env.magic("privacy_load", "data/orders.parquet --as orders --quiet")
    env.magic("privacy_purpose", "churn-model --basis legitimate_interest --ref LIA-2026-014")
    env.shell.run_cell("joined = orders.merge(customers, on='email')")
    with pytest.raises(
        UsageError, match=r"combines several datasets \(ds-.*, ds-.*\); unmask the source frames"
    ):
        env.magic("privacy_unmask", "joined --columns email")


def test_unmask_of_an_ungoverned_frame_or_unknown_variable(env: Env) -> None:
    env.shell.user_ns["plain"] = pd.DataFrame({"email": ["a@example.org"]})
    with pytest.raises(UsageError, match="was not loaded through jupyter-privacy"):
        env.magic("privacy_unmask", "plain --columns email")
    with pytest.raises(UsageError, match="no variable named 'ghost'"):
        env.magic("privacy_unmask", "ghost --columns email")
    with pytest.raises(UsageError, match="usage: %privacy_unmask VARIABLE --columns"):
        env.magic("privacy_unmask", "plain")


# -- load errors ---------------------------------------------------------------------------------------------


def test_missing_key_names_how_to_create_one_and_logs_no_load(make_env: Callable[..., Env]) -> None:
    env = make_env(key=False)
    with pytest.raises(UsageError) as info:
        env.magic("privacy_load", "data/customers.csv --as customers")
    message = str(info.value)
    assert "no masking key" in message and "JUPYTER_PRIVACY_KEY" in message
    assert "jupyter-privacy key generate" in message
    assert "customers" not in env.shell.user_ns
    assert "dataset_loaded" not in env.events()
    with pytest.raises(MissingKeyError):
        jupyter_privacy.load("data/customers.csv")
    assert "dataset_loaded" not in env.events()


@pytest.mark.parametrize(
    ("path", "message"),
    [("data/missing.csv", "missing.csv"), ("data/broken.parquet", "broken.parquet")],
)
def test_missing_or_unreadable_file_is_one_line_and_logs_nothing(
    env: Env, capsys: pytest.CaptureFixture[str], path: str, message: str
) -> None:
    result = env.shell.run_cell(f"df = %privacy_load {path}")
    assert not result.success
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("UsageError: jupyter-privacy:") and message in lines[0]
    assert "Traceback" not in err
    assert "df" not in env.shell.user_ns
    assert env.events() == ["session_start"]


# -- help, status, export ------------------------------------------------------------------------------------


@pytest.mark.parametrize("magic", MAGICS)
def test_every_magic_has_help(env: Env, capsys: pytest.CaptureFixture[str], magic: str) -> None:
    assert env.magic(magic, "--help") is None
    out = capsys.readouterr().out
    assert out.lstrip().startswith(f"%{magic} [-h]"), out[:200]
    assert "--help" in out
    assert env.events() == ["session_start"]


def test_status_and_export(env: Env, tmp_path: Path) -> None:
    env.magic("privacy_load", "data/customers.csv --as customers --quiet")
    status = jupyter_privacy.status()
    assert status["notebook"] == env.notebook
    assert status["policy"]["default"] is False
    assert [d["rows"] for d in status["datasets"]] == [400]
    env.magic("privacy_export", f"--format json --output {tmp_path / 'record.json'}")
    record = json.loads((tmp_path / "record.json").read_text("utf-8"))
    assert record["verification"]["ok"] is True
    assert [r["event"] for r in record["records"]] == ["session_start", "dataset_loaded"]
    assert env.events()[-1] == "record_exported"
    raw = env.raw_customers()
    text = (tmp_path / "record.json").read_text("utf-8")
    assert not [e for e in raw["email"] if e in text]


# -- Python API ----------------------------------------------------------------------------------------------


def test_python_api(env: Env) -> None:
    customers = jupyter_privacy.load("data/customers.csv")
    assert customers["email"].str.endswith("@masked.invalid").all()
    with pytest.raises(UnmaskDenied, match="no purpose declared"):
        jupyter_privacy.unmask(customers, "email")
    with pytest.raises(PurposeError, match="unknown purpose"):
        jupyter_privacy.declare_purpose("nope", "consent")
    decl = jupyter_privacy.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    assert decl.purpose.id == "churn-model"
    contacts = jupyter_privacy.unmask(customers, ["email"])
    assert contacts["email"].tolist() == env.raw_customers()["email"].tolist()
    status = jupyter_privacy.status()
    assert status["purpose"]["reference"] == "LIA-2026-014"
    assert status["grants"] == [
        {"dataset": datasets_of(customers)[0], "columns": ["email"], "purpose": "churn-model"}
    ]
    assert env.events() == [
        "session_start",
        "dataset_loaded",
        "unmask_denied",
        "purpose_refused",
        "purpose_declared",
        "unmask_granted",
    ]


# -- interception --------------------------------------------------------------------------------------------


def test_interception_masks_plain_read_csv(env: Env) -> None:
    assert pd.read_csv is not RAW_READ_CSV
    frame = pd.read_csv("data/customers.csv")
    assert frame["email"].str.endswith("@masked.invalid").all()
    assert not set(frame["phone"]) & set(env.raw_customers()["phone"])
    (loaded,) = [r for r in env.records() if r.event == "dataset_loaded"]
    assert loaded.payload["source"] == str((env.workdir / "data" / "customers.csv").resolve())
    parquet = pd.read_parquet("data/orders.parquet")
    assert parquet["email"].str.endswith("@masked.invalid").all()
    assert env.events().count("dataset_loaded") == 2


def test_interception_off_leaves_pandas_alone(make_env: Callable[..., Env]) -> None:
    env = make_env(interception={"enabled": False})
    assert pd.read_csv is RAW_READ_CSV
    frame = pd.read_csv("data/customers.csv")
    assert frame["email"].tolist() == env.raw_customers()["email"].tolist()
    assert datasets_of(frame) == []
    assert env.events() == ["session_start"]


def test_unload_restores_pandas(make_env: Callable[..., Env]) -> None:
    env = make_env()
    env.shell.run_line_magic("unload_ext", "jupyter_privacy")
    try:
        assert pd.read_csv is RAW_READ_CSV
    finally:
        env.shell.run_line_magic("load_ext", "jupyter_privacy")


# -- formerly known gaps, now fixed -----------------------------------------------------------------------


def test_no_raw_phone_left_in_masked_free_text(env: Env) -> None:
    env.magic("privacy_load", "data/orders.parquet --as orders --quiet")
    notes = env.shell.user_ns["orders"]["support_note"].dropna()
    phones = set(env.raw_customers()["phone"])
    leaked = [n for n in notes if any(p in n for p in phones)]
    assert leaked == []


def test_groupby_named_aggregation_keeps_lineage(env: Env) -> None:
    env.magic("privacy_load", "data/customers.csv --as customers --quiet")
    env.magic("privacy_load", "data/orders.parquet --as orders --quiet")
    env.shell.run_cell(
        "joined = orders.merge(customers, on='email')\n"
        "per_customer = joined.groupby('email', observed=True).agg(n=('order_id', 'count'))"
    )
    ns = env.shell.user_ns
    assert len(datasets_of(ns["joined"])) == 2
    assert datasets_of(ns["per_customer"]) == datasets_of(ns["joined"])


# -- the same flow in a real kernel ----------------------------------------------------------------------------


def test_purpose_and_unmask_flow_in_a_real_kernel(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    examples_dir: Path,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> None:
    _prepare(tmp_path, examples_dir)
    policy, ledger = policy_writer(tmp_path)
    notebook = tmp_path / "flow.ipynb"
    monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(policy))
    monkeypatch.setenv("JUPYTER_PRIVACY_KEY", test_key)
    monkeypatch.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(notebook))
    fails = {"tags": ["raises-exception"]}
    sources = [
        ("ext", "%load_ext jupyter_privacy", {}),
        ("load", "customers = %privacy_load data/customers.csv --quiet", {}),
        ("orders", "%privacy_load data/orders.parquet --as orders --quiet", {}),
        ("missing", "%privacy_load data/missing.csv", fails),
        ("refused", "%privacy_unmask customers --columns email", fails),
        ("bad-ref", "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-1", fails),
        ("purpose", "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014", {}),
        (
            "merged",
            "joined = orders.merge(customers, on='email')\n%privacy_unmask joined --columns email",
            fails,
        ),
        ("unmask", "%privacy_unmask customers --columns email --as contacts", {}),
        ("raw", "print('raw:', (~contacts['email'].str.endswith('@masked.invalid')).all())", {}),
        ("change", "%privacy_purpose marketing-consent --basis consent --ref CONSENT-2026B7", {}),
        ("masked", "print('masked:', contacts['email'].str.endswith('@masked.invalid').all())", {}),
    ]
    nb = new_notebook(cells=[new_code_cell(src, id=cid, metadata=meta) for cid, src, meta in sources])
    NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    out = {c.id: "".join(o.get("text", "") for o in c.outputs) for c in nb.cells}
    errors = {c.id: [o for o in c.outputs if o.output_type == "error"] for c in nb.cells}
    assert not any(errors.values()), errors  # magics report problems as one line, never a traceback

    def one_line(cell: str, text: str) -> None:
        lines = out[cell].strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("UsageError: jupyter-privacy:"), out[cell]
        assert text in lines[0], lines[0]

    one_line("missing", "missing.csv")
    one_line("refused", "no purpose declared")
    one_line("bad-ref", "reference 'LIA-1' is not valid for purpose 'churn-model'")
    one_line("merged", "combines several datasets")
    assert "raw: True" in out["raw"]
    assert "purpose declared: marketing-consent" in out["change"]
    assert "masked: True" in out["masked"]
    raw = RAW_READ_CSV(tmp_path / "data" / "customers.csv")
    text = json.dumps([c.outputs for c in nb.cells])
    assert not [e for e in raw["email"] if e in text]

    store = SqliteLedgerStore(ledger, readonly=True)
    try:
        path = str(notebook.resolve())
        assert verify_chain(store, path).ok
        events = [r.event for r in store.records(path)]
    finally:
        store.close()
    assert events == [
        "session_start",
        "dataset_loaded",
        "dataset_loaded",
        "unmask_denied",
        "purpose_refused",  # the ill-formed reference
        "purpose_declared",
        "unmask_granted",
        "grants_revoked",  # the purpose change masks the granted e-mails again
        "purpose_declared",
        "session_end",  # the kernel shut down at the end of the run
    ]
    assert nbformat.validate(nb) is None

"""Models of every supported library, trained on governed data in a real kernel, appear in the log.

One notebook (run once per module with nbclient) trains a scikit-learn pipeline, a model of the user's
own class (generic ``fit(X, y)`` hook) on an unmasked column, statsmodels OLS and a formula Logit,
LightGBM and XGBoost through their native and scikit-learn APIs, and a small PyTorch network from a DataLoader.
Each library is optional: the test of a library is skipped when it is not installed.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from jupyter_privacy.ledger import SqliteLedgerStore, verify_chain

HAVE = {
    name: importlib.util.find_spec(name) is not None
    for name in ("statsmodels", "lightgbm", "xgboost", "torch", "mlflow", "alembic")
}
HAVE["mlflow"] = HAVE["mlflow"] and HAVE["alembic"]  # the SQLite tracking store needs alembic
CELLS = [
    ("ext", "%load_ext jupyter_privacy"),
    ("load", "customers = %privacy_load data/customers.csv --quiet"),
    (
        "orders",
        "orders = %privacy_load data/orders.parquet --columns email,amount --quiet\nprint(list(orders.columns))",
    ),
    ("purpose", "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014"),
    ("unmask", "%privacy_unmask customers --columns email --as contacts"),
    (
        "features",
        "X = customers[['monthly_spend', 'date_of_birth']].astype(float)\ny = customers['churned']",
    ),
    (
        "pipeline",
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "pipe = make_pipeline(StandardScaler(), LogisticRegression())\n"
        "pipe.fit(X, y)",
    ),
    (
        "own-class",
        "class MeanByKey:\n"
        "    def fit(self, X, y):\n"
        "        self.means_ = y.groupby(X.iloc[:, 0]).mean()\n"
        "        return self",
    ),
    ("generic", "by_email = MeanByKey().fit(contacts[['email']], contacts['churned'])"),
]
if HAVE["statsmodels"]:
    CELLS.append(
        (
            "statsmodels",
            "import statsmodels.api as sm\n"
            "import statsmodels.formula.api as smf\n"
            "ols = sm.OLS(customers['monthly_spend'], sm.add_constant(X[['date_of_birth']])).fit()\n"
            "logit = smf.logit('churned ~ monthly_spend + date_of_birth',\n"
            "                  data=customers.astype({'churned': int, 'date_of_birth': float})).fit(disp=0)",
        )
    )
if HAVE["lightgbm"]:
    CELLS.append(
        (
            "lightgbm",
            "import lightgbm as lgb\n"
            "booster = lgb.train({'objective': 'binary', 'verbose': -1},\n"
            "                    lgb.Dataset(X, label=y.astype(int)), num_boost_round=5)\n"
            "lgbm = lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, y)",
        )
    )
if HAVE["xgboost"]:
    CELLS.append(
        (
            "xgboost",
            "import xgboost as xgb\n"
            "xgb_booster = xgb.train({'objective': 'binary:logistic'}, xgb.DMatrix(X, label=y.astype(int)),\n"
            "                        num_boost_round=3)\n"
            "xgbc = xgb.XGBClassifier(n_estimators=3).fit(X, y.astype(int))",
        )
    )
if HAVE["torch"]:
    CELLS.append(
        (
            "torch",
            "import torch\n"
            "from torch.utils.data import DataLoader, TensorDataset\n"
            "Xt = torch.tensor(X.values, dtype=torch.float32)\n"
            "yt = torch.tensor(y.values, dtype=torch.float32)\n"
            "loader = DataLoader(TensorDataset(Xt, yt), batch_size=64)\n"
            "net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))\n"
            "opt = torch.optim.SGD(net.parameters(), lr=0.01)\n"
            "for xb, yb in loader:\n"
            "    opt.zero_grad()\n"
            "    loss = torch.nn.functional.binary_cross_entropy_with_logits(net(xb).squeeze(1), yb)\n"
            "    loss.backward()\n"
            "    opt.step()\n"
            "with torch.no_grad():\n"
            "    scores = net(Xt)  # inference: not training",
        )
    )
if HAVE["mlflow"]:
    CELLS.append(
        (
            "mlflow",
            "import mlflow, pathlib\n"
            "mlflow.set_tracking_uri('sqlite:///' + str(pathlib.Path('mlflow.db').resolve()))\n"
            "with mlflow.start_run() as run:\n"
            "    info = mlflow.sklearn.log_model(pipe, name='churn', serialization_format='cloudpickle')\n"
            "version = mlflow.register_model(info.model_uri, 'churn-model')",
        )
    )
CELLS += [
    ("dump", "import joblib\njoblib.dump(pipe, 'pipe.joblib')"),
    ("other-purpose", "%privacy_purpose marketing-consent --basis consent --ref CONSENT-2026B7"),
    ("reuse", "reloaded = joblib.load('pipe.joblib')\nreloaded.predict(X)\npipe.predict(X)\npipe.predict(X)"),
]
if HAVE["mlflow"]:
    CELLS.append(("mlflow-load", "pyf = mlflow.pyfunc.load_model(info.model_uri)"))
FEATURES = ["monthly_spend", "date_of_birth"]
DOB = {"category": "quasi", "column": "date_of_birth", "entities": ["DATE_OF_BIRTH"], "raw": False}


@pytest.fixture(scope="module")
def models(
    tmp_path_factory: pytest.TempPathFactory,
    examples_dir: Path,
    policy_writer: Callable[..., tuple[Path, Path]],
    test_key: str,
) -> dict[str, dict[str, Any]]:
    """``model_trained`` payloads of the notebook by cell id."""
    folder = tmp_path_factory.mktemp("models")
    shutil.copytree(examples_dir / "data", folder / "data")
    policy, ledger = policy_writer(folder)
    notebook = folder / "models.ipynb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PRIVACY_POLICY", str(policy))
        mp.setenv("JUPYTER_PRIVACY_KEY", test_key)
        mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", str(notebook))
        nb = new_notebook(cells=[new_code_cell(src, id=cid) for cid, src in CELLS])
        client = NotebookClient(
            nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(folder)}}
        )
        cell_of: dict[int, str] = {}

        def remember(cell: Any, cell_index: int, execute_reply: Any) -> None:
            cell_of[cell.execution_count] = cell.id

        client.on_cell_executed = remember
        client.execute()
    errors = [o for c in nb.cells for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    with SqliteLedgerStore(ledger, readonly=True) as store:
        assert verify_chain(store, str(notebook.resolve())).ok
        records = list(store.records(str(notebook.resolve())))
    found: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        if r.event == "model_trained":
            found.setdefault(cell_of[r.execution_count], []).append(r.payload)
    loaded = next(r.payload for r in records if r.event == "dataset_loaded")
    found["_records"] = [r.to_dict() for r in records]  # type: ignore[assignment]
    found["_orders_out"] = [{"text": "".join(o.get("text", "") for o in nb.cells[2].outputs)}]
    for r in records:
        if r.event in ("model_logged", "model_registered", "model_used"):
            found.setdefault(r.event, []).append(r.payload)
    extra = {
        "_dataset": {"id": loaded["dataset"]},
        "_run": {"folder": folder, "ledger": ledger, "key": test_key},
    }
    return {**extra, **found}  # type: ignore[dict-item]


def one(models: dict[str, Any], cell: str) -> dict[str, Any]:
    (payload,) = models[cell]
    return payload  # type: ignore[no-any-return]


def test_pipeline_is_named_by_its_final_estimator_with_its_steps(models: dict[str, Any]) -> None:
    model = one(models, "pipeline")
    assert model["model_class"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert model["wrapper"] == "sklearn.pipeline.Pipeline"
    assert [s["class"].rsplit(".", 1)[1] for s in model["steps"]] == ["StandardScaler", "LogisticRegression"]
    assert model["variable"] == "pipe"
    assert model["datasets"] == [models["_dataset"]["id"]]
    assert (model["columns"], model["targets"], model["rows"]) == (FEATURES, ["churned"], 400)
    assert model["personal_data"] == [{"dataset": models["_dataset"]["id"], **DOB}]
    assert model["raw_columns"] == []
    assert model["purpose"] == "churn-model"


def test_generic_fit_on_an_unmasked_column_is_recorded_as_raw(models: dict[str, Any]) -> None:
    model = one(models, "generic")
    assert (model["model_class"], model["variable"]) == ("__main__.MeanByKey", "by_email")
    assert model["columns"] == ["email"]
    assert model["raw_columns"] == ["email"]
    (email,) = model["personal_data"]
    assert (email["column"], email["category"], email["raw"]) == ("email", "direct", True)


@pytest.mark.skipif(not HAVE["statsmodels"], reason="statsmodels is not installed")
def test_statsmodels_arrays_and_formulas(models: dict[str, Any]) -> None:
    ols, logit = models["statsmodels"]
    assert (ols["model_class"], ols["variable"]) == ("statsmodels.regression.linear_model.OLS", "ols")
    assert ols["columns"] == ["const", "date_of_birth"] and ols["targets"] == ["monthly_spend"]
    assert (logit["model_class"], logit["variable"]) == ("statsmodels.discrete.discrete_model.Logit", "logit")
    assert sorted(logit["columns"]) == ["churned", *sorted(FEATURES)]  # the formula's variables only
    for model in (ols, logit):
        assert model["personal_data"] == [{"dataset": models["_dataset"]["id"], **DOB}]


@pytest.mark.skipif(not HAVE["lightgbm"], reason="lightgbm is not installed")
def test_lightgbm_native_and_sklearn_apis(models: dict[str, Any]) -> None:
    native, sklearn_api = models["lightgbm"]
    assert (native["model_class"], native["variable"]) == ("lightgbm.basic.Booster", "booster")
    assert (sklearn_api["model_class"], sklearn_api["variable"]) == (
        "lightgbm.sklearn.LGBMClassifier",
        "lgbm",
    )
    for model in (native, sklearn_api):
        assert (model["library"], model["columns"], model["targets"]) == ("lightgbm", FEATURES, ["churned"])
        assert model["personal_data"] == [{"dataset": models["_dataset"]["id"], **DOB}]


@pytest.mark.skipif(not HAVE["xgboost"], reason="xgboost is not installed")
def test_xgboost_native_and_sklearn_apis(models: dict[str, Any]) -> None:
    native, sklearn_api = models["xgboost"]  # one record each: the classifier's inner train adds none
    assert (native["model_class"], native["variable"]) == ("xgboost.core.Booster", "xgb_booster")
    assert (sklearn_api["model_class"], sklearn_api["variable"]) == ("xgboost.sklearn.XGBClassifier", "xgbc")
    for model in (native, sklearn_api):
        assert (model["library"], model["columns"], model["targets"]) == ("xgboost", FEATURES, ["churned"])
        assert model["personal_data"] == [{"dataset": models["_dataset"]["id"], **DOB}]
        assert model["raw_columns"] == [] and model["purpose"] == "churn-model"


@pytest.mark.skipif(not HAVE["torch"], reason="torch is not installed")
def test_torch_network_trained_from_a_dataloader(models: dict[str, Any]) -> None:
    model = one(models, "torch")  # one record: the Sequential, not its layers; inference adds none
    assert (model["model_class"], model["variable"]) == ("torch.nn.modules.container.Sequential", "net")
    assert (model["columns"], model["targets"], model["rows"]) == (FEATURES, ["churned"], 400)
    assert model["personal_data"] == [{"dataset": models["_dataset"]["id"], **DOB}]


@pytest.mark.skipif(not HAVE["mlflow"], reason="mlflow (with alembic) is not installed")
def test_mlflow_run_tags_inputs_and_registered_version(models: dict[str, Any]) -> None:
    from mlflow import MlflowClient

    (logged,) = models["model_logged"]
    (registered,) = models["model_registered"]
    assert logged["model_class"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert logged["datasets"] == [models["_dataset"]["id"]] == registered["datasets"]
    assert (registered["registered_name"], registered["version"]) == ("churn-model", 1)
    assert registered["model_uri"] == logged["model_uri"] and logged["purpose"] == "churn-model"
    folder = models["_run"]["folder"]
    client = MlflowClient(tracking_uri=f"sqlite:///{folder / 'mlflow.db'}")
    run = client.get_run(logged["run_id"])
    tags = run.data.tags
    assert tags["jupyter_privacy.purpose"] == "churn-model"
    assert tags["jupyter_privacy.lawful_basis"] == "legitimate_interest"
    assert tags["jupyter_privacy.reference"] == "LIA-2026-014"
    dataset = models["_dataset"]["id"]
    assert tags["jupyter_privacy.datasets"].startswith(f"{dataset}=")
    assert tags["jupyter_privacy.personal_data_categories"] == "quasi"
    assert tags["jupyter_privacy.raw_columns"] == ""
    (inp,) = run.inputs.dataset_inputs
    sha = tags["jupyter_privacy.datasets"].split("=", 1)[1]
    assert (inp.dataset.name, inp.dataset.digest) == (dataset, sha[:32])
    assert client.get_model_version("churn-model", "1").run_id == logged["run_id"]


@pytest.mark.skipif(not HAVE["mlflow"], reason="mlflow (with alembic) is not installed")
def test_erasure_lookup_names_the_registered_model_version(
    models: dict[str, Any], examples_dir: Path
) -> None:
    import pandas as pd

    from jupyter_privacy.mask.keys import MaskingKey
    from jupyter_privacy.records.erasure import erasure_lookup, parse_subject
    from jupyter_privacy.records.fingerprints import FingerprintStore, fingerprint_path

    run = models["_run"]
    email = pd.read_csv(examples_dir / "data" / "customers.csv")["email"].iloc[3]
    with (
        SqliteLedgerStore(run["ledger"], readonly=True) as store,
        FingerprintStore(fingerprint_path(run["ledger"]), readonly=True) as fps,
    ):
        result = erasure_lookup(store, fps, MaskingKey(run["key"]), [parse_subject(f"email={email}")])
    found = [
        (m.get("registered_name"), m.get("version"))
        for m in result["models"]
        if m["event"] == "model_registered"
    ]
    assert found == [("churn-model", 1)]
    nobody = "nobody.at.all@example.invalid"
    with (
        SqliteLedgerStore(run["ledger"], readonly=True) as store,
        FingerprintStore(fingerprint_path(run["ledger"]), readonly=True) as fps,
    ):
        result = erasure_lookup(store, fps, MaskingKey(run["key"]), [parse_subject(f"email={nobody}")])
    assert result["models"] == []


def test_saved_model_has_a_sidecar_with_its_purpose(models: dict[str, Any]) -> None:
    import json

    sidecar = json.loads((models["_run"]["folder"] / "pipe.joblib.privacy.json").read_text("utf-8"))
    assert sidecar["purpose"] == "churn-model" and sidecar["lawful_basis"] == "legitimate_interest"
    assert sidecar["model_class"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert sidecar["datasets"] == [models["_dataset"]["id"]]


def test_use_under_another_purpose_is_recorded(models: dict[str, Any]) -> None:
    uses = [(u["how"], u["trained_under"], u["purpose"], u["outcome"]) for u in models["model_used"]]
    expected = [
        ("joblib.load", "churn-model", "marketing-consent", "recorded"),
        ("predict", "churn-model", "marketing-consent", "recorded"),  # the reloaded model
        ("predict", "churn-model", "marketing-consent", "recorded"),  # pipe: once, not per call
    ]
    if HAVE["mlflow"]:
        expected.append(("mlflow.pyfunc.load_model", "churn-model", "marketing-consent", "recorded"))
    assert uses == expected
    assert models["model_used"][0]["where"].endswith("pipe.joblib")


def test_load_reads_only_the_named_columns(models: dict[str, Any]) -> None:
    assert models["_orders_out"][0]["text"].strip() == "['email', 'amount']"
    orders = next(
        r["payload"]
        for r in models["_records"]
        if r["event"] == "dataset_loaded" and "orders" in r["payload"]["source"]
    )
    assert orders["shape"][1] == 2
    assert [f["name"] for f in orders["findings"]] == ["email", "amount"]


def test_minimisation_names_the_personal_data_loaded_and_never_used(models: dict[str, Any]) -> None:
    from jupyter_privacy.records.minimisation import minimisation

    view = {Path(d["source"]).stem: d for d in minimisation(models["_records"])}
    customers = models["_dataset"]["id"]
    loaded = next(r["payload"] for r in models["_records"] if r["payload"].get("dataset") == customers)
    flagged = {f["name"] for f in loaded["findings"] if f["category"] != "none"}
    assert {"email", "date_of_birth", "first_name", "phone"} <= flagged
    assert {u["column"] for u in view["customers"]["used"]} == {"email", "date_of_birth"}
    assert {u["column"] for u in view["customers"]["unused"]} == flagged - {"email", "date_of_birth"}
    assert [u["column"] for u in view["orders"]["unused"]] == ["email"]  # loaded, never used

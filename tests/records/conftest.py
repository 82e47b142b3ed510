"""The example notebook flow, simulated in-process with PrivacySession and the lineage hooks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml

from jupyter_privacy.kernel.context import CellContext
from jupyter_privacy.kernel.errors import UnmaskDenied
from jupyter_privacy.kernel.lineage import Lineage
from jupyter_privacy.kernel.models import ModelHooks
from jupyter_privacy.kernel.raw_outputs import RawOutputs
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.policy import LoadedPolicy, load_policy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KEY = "7a" * 32


@dataclass
class Flow:
    policy_path: Path
    ledger: Path
    notebook: str
    loaded: LoadedPolicy
    customers: pd.DataFrame
    output_csv: Path
    output_model: Path
    tmp: Path
    key: str = KEY


def _cell(session: PrivacySession, n: int, code: str) -> None:
    session.cell = CellContext(cell_id=f"cell-{n}", execution_count=n, code=code)


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    tmp = tmp_path_factory.mktemp("flow")
    data = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    ledger = tmp / "ledger.sqlite3"
    data["log"]["path"] = str(ledger)
    policy_path = tmp / "privacy_policy.yaml"
    policy_path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PRIVACY_KEY", KEY)
    notebook = str(tmp / "churn_demo.ipynb")
    mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", notebook)
    loaded = load_policy(policy_path)
    session = PrivacySession(policy=loaded)
    lineage = Lineage(session)
    lineage.install()
    raw_outputs = RawOutputs(session, None)
    raw_outputs.install()
    models = ModelHooks(session, lineage, raw_outputs)
    models.install()
    from sklearn.linear_model import LogisticRegression

    models.hook_modules()
    import joblib

    lineage.hook_modules()
    try:
        _cell(session, 1, "customers = %privacy_load data/customers.csv")
        customers = session.load(EXAMPLES / "data" / "customers.csv", variable="customers")
        _cell(session, 2, "%privacy_load data/orders.parquet --as orders")
        orders = session.load(EXAMPLES / "data" / "orders.parquet", variable="orders")
        _cell(session, 3, "joined = orders.merge(customers, on='email'); model.fit(...); writes")
        joined = orders.merge(customers, on="email")
        features = joined.assign(
            n_orders=joined.groupby("email", observed=True)["order_id"].transform("count")
        )
        features = features.drop_duplicates("email")
        X = features[["n_orders", "monthly_spend"]]
        y = features["churned"]
        model = LogisticRegression(max_iter=200)
        model.fit(X, y)
        out = tmp / "output"
        out.mkdir()
        scores = features[["email"]].assign(score=model.predict_proba(X)[:, 1])
        scores.to_csv(out / "churn_scores.csv", index=False)
        joblib.dump(model, out / "churn_model.joblib")
        models.after_cell({"model": model, "joined": joined, "scores": scores})
        lineage.flush({"model": model, "joined": joined, "scores": scores})
        _cell(session, 4, "%privacy_unmask customers --columns email")
        with pytest.raises(UnmaskDenied):
            session.unmask(customers, ["email"])
        _cell(session, 5, "%privacy_purpose churn-model --basis legitimate_interest --ref LIA-2026-014")
        session.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
        _cell(session, 6, "%privacy_unmask customers --columns email --as contacts")
        session.unmask(customers, ["email"])
        yield Flow(
            policy_path,
            ledger,
            notebook,
            loaded,
            customers,
            out / "churn_scores.csv",
            out / "churn_model.joblib",
            tmp,
        )
    finally:
        models.uninstall()
        raw_outputs.uninstall()
        lineage.uninstall()
        session.close()
        mp.undo()

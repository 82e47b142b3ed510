"""What the DPO reads in the Art. 30 HTML: where a purpose was declared, one row per masked column, and
columns named by file -- for a log written by a real PrivacySession. The page comes from a Jinja2
template with autoescaping: markup in any logged or configured value is shown as text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from jupyter_privacy.kernel.context import CellContext
from jupyter_privacy.kernel.session import PrivacySession
from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.policy import load_policy
from jupyter_privacy.records.article30 import build_record, render

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("html")
    data = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    data["log"]["path"] = str(tmp / "ledger.sqlite3")
    policy_path = tmp / "privacy_policy.yaml"
    policy_path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    notebook = str(tmp / "twice.ipynb")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PRIVACY_KEY", "5e" * 32)
    mp.setenv("JUPYTER_PRIVACY_NOTEBOOK", notebook)
    loaded = load_policy(policy_path)
    session = PrivacySession(policy=loaded)
    try:
        for n in (1, 2):  # the same file loaded twice (re-running the cell)
            session.cell = CellContext(f"cell-{n}", n, "customers = %privacy_load data/customers.csv")
            session.load(EXAMPLES / "data" / "customers.csv", variable="customers")
        # the sidebar's "Declare purpose" dialog runs the magic outside any notebook cell
        session.cell = CellContext(None, None, "%privacy_purpose churn-model --basis legitimate_interest")
        session.declare_purpose("churn-model", "legitimate_interest", "LIA-2026-014")
    finally:
        session.close()
        mp.undo()
    with SqliteLedgerStore(data["log"]["path"], readonly=True) as store:
        yield build_record(store, loaded, [notebook])


@pytest.fixture(scope="module")
def html(record: dict[str, Any]) -> str:
    return render(record, "html")[0]


def section(html: str, title: str) -> str:
    start = html.index(f"<h2>{title}")
    end = html.find("<h2>", start + 4)
    return html[start : end if end > 0 else None]


def rows(table_html: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", table_html)[1:]  # without the header row


def test_a_purpose_declared_outside_a_cell_says_where(html: str) -> None:
    purposes = section(html, "Purposes and lawful basis")
    assert "None" not in purposes
    assert "outside a notebook cell" in purposes


def test_a_file_loaded_twice_lists_each_masked_column_once(html: str) -> None:
    measures = rows(section(html, "Technical and organisational measures"))
    assert measures
    assert len(measures) == len(set(measures)), "repeated technical-measure rows"


def test_columns_are_named_by_their_file(html: str) -> None:
    categories = section(html, "Categories of data subjects and personal data")
    assert not re.search(r"ds-[0-9a-f]{12}:", categories)
    assert "customers.csv: email" in categories
    measures = section(html, "Technical and organisational measures")
    assert "customers.csv" in measures


MARKUP = "<img src=x onerror=alert(1)>&amp;"


def test_markup_in_logged_and_configured_values_is_escaped(record: dict[str, Any]) -> None:
    import copy

    nasty = copy.deepcopy(record)
    nasty["controller"]["name"] = MARKUP
    nasty["purposes"][0]["description"] = MARKUP
    nasty["evidence"]["datasets"][0]["source"] = f"data/{MARKUP}.csv"
    nasty["verification"]["chains"][0]["notebook"] = f"/home/u/{MARKUP}.ipynb"
    nasty["evidence"]["unmask"] = [
        {"decision": "granted", "dataset": MARKUP, "columns": [MARKUP], "purpose": MARKUP,
         "lawful_basis": None, "reference": None, "reason": None, "user": MARKUP, "server": "s", "ts": "t"}
    ]
    text, _mime = render(nasty, "html")
    assert "<img" not in text and "onerror=alert(1)>" not in text
    assert text.count("&lt;img src=x onerror=alert(1)&gt;&amp;amp;") >= 6  # title, controller, purpose, ...
    assert "<title>Record of processing activities (GDPR Art. 30) - &lt;img" in text


def test_the_page_comes_from_the_packaged_template() -> None:
    from importlib import resources

    from jupyter_privacy.records.article30_html import _template

    template = resources.files("jupyter_privacy.records").joinpath("templates/article30.html.j2")
    assert "{{ table(tables.purposes) }}" in template.read_text("utf-8")
    assert _template().environment.autoescape is True

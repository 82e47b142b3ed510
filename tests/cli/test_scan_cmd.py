"""`jupyter-privacy scan PATH`, run as the real command in subprocesses.

Starting the command costs a second or more (presidio, pandas), so every invocation of this module
is prepared up front and run concurrently in one module-scoped fixture; each test then asserts on
its own completed process.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from faker import Faker

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_POLICY = ROOT / "examples" / "privacy_policy.yaml"
N = 120
KEYS = {"name", "dtype", "category", "entities", "score", "coverage"}
CATEGORIES = {"direct", "special", "quasi", "none"}


def people() -> pd.DataFrame:
    Faker.seed(5)
    r = random.Random(5)
    f = Faker("nl_NL")
    return pd.DataFrame(
        {
            "email": [f.email() for _ in range(N)],
            "achternaam": [f.last_name() for _ in range(N)],
            "telefoon": [f"+31 6 {r.randint(10000000, 99999999)}" for _ in range(N)],
            "diagnose": [r.choice(["diabetes", "astma", "migraine", "depressie"]) for _ in range(N)],
            "bedrag": [round(r.uniform(1, 500), 2) for _ in range(N)],
            "aantal": [r.randint(1, 9) for _ in range(N)],
        }
    )


EXPECTED = {
    "email": ("direct", "EMAIL_ADDRESS"),
    "achternaam": ("direct", "PERSON"),
    "telefoon": ("direct", "PHONE_NUMBER"),
    "diagnose": ("special", "HEALTH"),
    "bedrag": ("none", None),
    "aantal": ("none", None),
}

Writer = Callable[[pd.DataFrame, Path], None]

FORMATS: dict[str, Writer] = {
    "people.csv": lambda df, p: df.to_csv(p, index=False),
    "people.tsv": lambda df, p: df.to_csv(p, index=False, sep="\t"),
    "people_semicolon.csv": lambda df, p: df.to_csv(p, index=False, sep=";", decimal=","),
    "people.parquet": lambda df, p: df.to_parquet(p, index=False),
    "people.json": lambda df, p: df.to_json(p, orient="records", force_ascii=False),
    "people.jsonl": lambda df, p: df.to_json(p, orient="records", lines=True, force_ascii=False),
    "people.xlsx": lambda df, p: df.to_excel(p, index=False),
    "people.csv.gz": lambda df, p: df.to_csv(p, index=False),
    "people_semicolon.csv.gz": lambda df, p: df.to_csv(p, index=False, sep=";"),
}


def _files(d: Path) -> dict[str, list[str]]:
    """Write every input file into ``d``; return the CLI arguments of each run by name."""
    df = people()
    runs: dict[str, list[str]] = {}
    for name, write in FORMATS.items():
        write(df, d / name)
        runs[name] = [str(d / name), "--format", "json"]
    runs["table"] = [str(d / "people.csv"), "--format", "table"]
    runs["policy"] = [
        str(d / "people.csv"),
        "--format",
        "json",
        "--policy",
        str(EXAMPLE_POLICY),
        "--sample-rows",
        "50",
    ]
    runs["sample_rows_zero"] = [str(d / "people.csv"), "--sample-rows", "0"]

    (d / "empty.csv").touch()
    runs["empty"] = [str(d / "empty.csv")]
    (d / "header_only.csv").write_text("sku,price,status,email,naam,telefoon,bedrag\n")
    runs["header_only"] = [str(d / "header_only.csv"), "--format", "json"]
    (d / "garbage.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + random.Random(1).randbytes(4000))
    runs["garbage"] = [str(d / "garbage.csv")]
    (d / "data.sav").write_text("a,b\n1,2\n")
    runs["unknown_ext"] = [str(d / "data.sav")]
    runs["missing"] = [str(d / "does-not-exist.csv")]
    (d / "folder.csv").mkdir()
    runs["directory"] = [str(d / "folder.csv")]

    # float columns: the cheapest kind to classify (about 1 ms each; 5,000 text columns take ~20 s)
    wide = pd.DataFrame(
        np.random.default_rng(0).random(size=(5, 5000)), columns=[f"v{i}" for i in range(5000)]
    )
    wide["v17"] = [Faker().email() for _ in range(5)]
    wide.to_csv(d / "wide.csv", index=False)
    runs["wide"] = [str(d / "wide.csv"), "--format", "json"]

    pd.DataFrame({0: df["email"], 1: df["bedrag"], 2: df["aantal"]}).to_parquet(d / "intnames.parquet")
    runs["int_names_parquet"] = [str(d / "intnames.parquet"), "--format", "json"]
    (d / "arrays.json").write_text(json.dumps(df[["email", "aantal"]].values.tolist()))
    runs["int_names_json"] = [str(d / "arrays.json"), "--format", "json"]

    mixed = [
        {"m": v, "email": e}
        for v, e in zip(
            [1, "text", True, None, {"x": 1}, [1, 2], 2.5, "2024-01-01"] * (N // 8), df["email"], strict=False
        )
    ]
    (d / "mixed.json").write_text(json.dumps(mixed))
    runs["mixed_json"] = [str(d / "mixed.json"), "--format", "json"]
    mixed_csv = pd.DataFrame(
        {
            "m": ["1", "abc", "2.5", "", "TRUE", "2024-01-01"] * (N // 6),
            "leeg": [None] * N,
            "ook_leeg": [np.nan] * N,
            "email": df["email"],
        }
    )
    mixed_csv.to_csv(d / "mixed.csv", index=False)
    runs["mixed_csv"] = [str(d / "mixed.csv"), "--format", "json"]

    (d / "latin1.csv").write_bytes(
        (
            "naam;woonplaats;email\n"
            + "".join(
                f"{n};{c};{e}\n"
                for n, c, e in zip(
                    ["José", "Renée", "Jürgen", "Ângela"] * (N // 4),
                    ["Zürich", "Besançon", "Köln", "Málaga"] * (N // 4),
                    df["email"],
                    strict=False,
                )
            )
        ).encode("latin-1")
    )
    runs["latin1"] = [str(d / "latin1.csv"), "--format", "json"]

    df.to_csv(d / "headerless.csv", index=False, header=False)
    runs["headerless"] = [str(d / "headerless.csv")]
    runs["headerless_json"] = [str(d / "headerless.csv"), "--format", "json"]

    (d / "bad_policy.yaml").write_text("version: 1\ncontroller: [unclosed\n")
    runs["bad_policy"] = [str(d / "people.csv"), "--policy", str(d / "bad_policy.yaml")]
    (d / "wrong_policy.yaml").write_text(
        "version: 1\ncontroller: {name: X, contact: x@example.org}\nbogus: 1\n"
    )
    runs["wrong_policy"] = [str(d / "people.csv"), "--policy", str(d / "wrong_policy.yaml")]
    runs["missing_policy"] = [str(d / "people.csv"), "--policy", str(d / "nope.yaml")]
    runs["missing_sheet"] = [str(d / "people.xlsx"), "--sheet", "klanten"]
    with gzip.open(d / "corrupt.csv.gz", "wb") as fh:
        fh.write(b"a,b\n1,2\n")
    (d / "corrupt.csv.gz").write_bytes((d / "corrupt.csv.gz").read_bytes()[:12])
    runs["corrupt_gz"] = [str(d / "corrupt.csv.gz")]
    return runs


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    d = tmp_path_factory.mktemp("scan")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_PRIVACY_")}
    env["JUPYTER_CONFIG_DIR"] = str(d / "user-config")  # no user policy; built-in default applies
    args = _files(d)

    def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "jupyter_privacy", "scan", *argv],
            capture_output=True,
            text=True,
            env=env,
            cwd=d,
            timeout=180,
            check=False,
        )

    with ThreadPoolExecutor(max_workers=max(2, min(8, os.cpu_count() or 2))) as pool:
        done = dict(zip(args, pool.map(run, args.values()), strict=True))
    return done


def ok_json(proc: subprocess.CompletedProcess[str]) -> dict:  # type: ignore[type-arg]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {"source", "rows", "sampled_rows", "columns"} <= set(data)
    for col in data["columns"]:
        assert set(col) >= KEYS, col
        assert col["category"] in CATEGORIES
        assert isinstance(col["entities"], list)
        assert 0.0 <= col["score"] <= 1.0
        assert col["coverage"] is None or 0.0 <= col["coverage"] <= 1.0
        assert (col["category"] == "none") == (col["entities"] == [])
    return data


def error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    assert proc.stderr.startswith("jupyter-privacy: error: ")
    assert len(proc.stderr.strip().splitlines()) <= 4
    for needle in needles:
        assert needle in proc.stderr
    return proc.stderr


def by_name(data: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {c["name"]: c for c in data["columns"]}


@pytest.mark.parametrize("name", list(FORMATS))
def test_formats_json_contract(runs: dict[str, subprocess.CompletedProcess[str]], name: str) -> None:
    data = ok_json(runs[name])
    assert data["source"].endswith(name)
    assert (data["rows"], data["sampled_rows"]) == (N, N)
    cols = by_name(data)
    assert list(cols) == list(EXPECTED)
    for column, (category, entity) in EXPECTED.items():
        assert cols[column]["category"] == category, (column, cols[column])
        if entity:
            assert entity in cols[column]["entities"]
    assert cols["diagnose"]["special_category"] == "HEALTH"


def test_output_holds_no_cell_value(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    df = people()
    cells = {str(v) for col in ("email", "achternaam", "telefoon", "diagnose") for v in df[col]}
    for name in ("people.csv", "table", "people.xlsx"):
        out = runs[name].stdout
        assert [c for c in cells if c in out] == []


def test_a_file_without_a_header_row_is_scanned_as_one(
    runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    """The first person of a headerless file was printed as the column names and left unscanned."""
    df = people()
    cells = {str(v) for col in ("email", "achternaam", "telefoon") for v in df[col].head(3)}
    assert [c for c in cells if c in runs["headerless"].stdout] == []
    data = ok_json(runs["headerless_json"])
    assert data["rows"] == N
    assert {c["category"] for c in data["columns"] if "EMAIL_ADDRESS" in c["entities"]} == {"direct"}


def test_table_format_is_readable(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    proc = runs["table"]
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("column"))
    assert lines[header].split() == [
        "column",
        "dtype",
        "category",
        "entities",
        "score",
        "coverage",
        "rule",
        "why",
    ]
    assert set(lines[header + 1].replace(" ", "")) == {"-"}
    rows = {line.split()[0]: line for line in lines[header + 2 : header + 2 + len(EXPECTED)]}
    assert list(rows) == list(EXPECTED)
    assert "EMAIL_ADDRESS" in rows["email"] and "direct" in rows["email"]
    assert "special (HEALTH)" in rows["diagnose"]
    # why flagged: the deciding rule and the header word / recogniser behind it
    assert "recognizer" in rows["email"] and "EMAIL_ADDRESS" in rows["email"].split("recognizer")[1]
    assert "header" in rows["diagnose"] and "'diagnose'" in rows["diagnose"]
    assert any(line.startswith("rows describe: people (") for line in lines[:header])
    assert "4 of 6 columns hold personal data" in proc.stdout
    assert "built-in default policy" in proc.stdout
    assert not proc.stdout.lstrip().startswith("{")


def test_policy_file_and_sample_rows(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    data = ok_json(runs["policy"])
    assert data["policy"]["source"].endswith("privacy_policy.yaml")
    assert data["policy"]["default"] is False
    assert (data["rows"], data["sampled_rows"]) == (N, 50)
    assert by_name(data)["email"]["category"] == "direct"


def test_sample_rows_must_be_positive(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    error(runs["sample_rows_zero"], "--sample-rows")


def test_empty_file(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    error(runs["empty"], "empty.csv", "empty")


def test_header_only_csv(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    """Every column present; neutral names are none, personal names are reported from the name alone."""
    data = ok_json(runs["header_only"])
    assert (data["rows"], data["sampled_rows"]) == (0, 0)
    cols = by_name(data)
    assert list(cols) == ["sku", "price", "status", "email", "naam", "telefoon", "bedrag"]
    assert {n: cols[n]["category"] for n in ("sku", "price", "status", "bedrag")} == dict.fromkeys(
        ("sku", "price", "status", "bedrag"), "none"
    )
    assert (cols["email"]["category"], cols["email"]["coverage"]) == ("direct", None)
    assert cols["naam"]["entities"] == ["PERSON"]


def test_binary_garbage(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    error(runs["garbage"], "garbage.csv", "binary")


def test_unknown_extension(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    error(runs["unknown_ext"], "data.sav", "unsupported file type")


def test_missing_file(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    error(runs["missing"], "does-not-exist.csv", "no such file")


def test_directory(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    error(runs["directory"], "folder.csv", "directory")


def test_corrupt_gzip(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    error(runs["corrupt_gz"], "corrupt.csv.gz", "could not be read")


def test_missing_sheet(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    error(runs["missing_sheet"], "people.xlsx", "klanten")


def test_five_thousand_columns(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    data = ok_json(runs["wide"])
    names = [c["name"] for c in data["columns"]]
    assert names == [f"v{i}" for i in range(5000)]
    assert by_name(data)["v17"]["entities"] == ["EMAIL_ADDRESS"]


@pytest.mark.parametrize("name", ["int_names_parquet", "int_names_json"])
def test_non_string_column_names(runs: dict[str, subprocess.CompletedProcess[str]], name: str) -> None:
    data = ok_json(runs[name])
    cols = by_name(data)
    assert set(cols) >= {"0", "1"}
    assert cols["0"]["entities"] == ["EMAIL_ADDRESS"]
    assert cols["1"]["category"] == "none"


def test_all_null_columns(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    cols = by_name(ok_json(runs["mixed_csv"]))
    assert cols["leeg"]["category"] == "none"
    assert cols["ook_leeg"]["category"] == "none"
    assert cols["email"]["entities"] == ["EMAIL_ADDRESS"]


@pytest.mark.parametrize("name", ["mixed_json", "mixed_csv"])
def test_mixed_type_columns(runs: dict[str, subprocess.CompletedProcess[str]], name: str) -> None:
    cols = by_name(ok_json(runs[name]))
    assert cols["m"]["category"] == "none"
    assert cols["email"]["entities"] == ["EMAIL_ADDRESS"]


def test_latin1_csv(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    cols = by_name(ok_json(runs["latin1"]))
    assert list(cols) == ["naam", "woonplaats", "email"]
    assert cols["naam"]["entities"] == ["PERSON"]
    assert cols["woonplaats"]["category"] == "quasi"
    assert cols["email"]["entities"] == ["EMAIL_ADDRESS"]


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("bad_policy", "bad_policy.yaml"),
        ("wrong_policy", "wrong_policy.yaml"),
        ("missing_policy", "nope.yaml"),
    ],
)
def test_invalid_policy(runs: dict[str, subprocess.CompletedProcess[str]], name: str, needle: str) -> None:
    proc = runs[name]
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("jupyter-privacy: error: the policy cannot be used")
    assert needle in proc.stderr


PROBE = """
import contextlib, io, json, sys
from jupyter_privacy.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["scan", "--format", "json", *sys.argv[1:]])
during = "torch" in sys.modules and sys.modules["torch"] is not None
import torch  # importable again after the scan
print(json.dumps({"code": code, "torch_during_scan": during, "emails": json.loads(out.getvalue())["columns"][0]}))
"""


def test_torch_stays_out_of_the_scan(tmp_path: Path) -> None:
    """presidio and thinc import PyTorch (1.7 s) whenever it is installed; the scan does not need it."""
    pytest.importorskip("torch")
    Faker.seed(1)
    fake = Faker()
    pd.DataFrame({"email": [fake.email() for _ in range(50)]}).to_csv(tmp_path / "t.csv", index=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_PRIVACY_")}
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "user-config")  # the built-in default policy (ner_model: auto)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "t.csv")],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    assert result["emails"]["entities"] == ["EMAIL_ADDRESS"]  # presidio's recogniser ran
    assert result["torch_during_scan"] is False


def test_torch_is_kept_out_only_for_pipelines_that_cannot_use_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from jupyter_privacy.cli.scan_cmd import torch_kept_out

    monkeypatch.delitem(sys.modules, "torch", raising=False)
    for setting in ("auto", "none", "en_core_web_sm"):
        with torch_kept_out(setting):
            assert sys.modules["torch"] is None
        assert "torch" not in sys.modules  # importable again
    with torch_kept_out("en_core_web_trf"):  # a transformer pipeline may need torch
        assert "torch" not in sys.modules

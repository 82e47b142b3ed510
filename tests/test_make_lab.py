"""What `make lab` sets up, checked through a real kernel started with the environment `make lab` uses:
jupyter-privacy autoloads (the example notebook's first `%privacy_load` works), an unknown `%privacy_*`
magic hints at `%load_ext jupyter_privacy`, and `jupyter-privacy` is on the terminals' PATH."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def lab_env() -> dict[str, str]:
    out = subprocess.run(
        ["make", "-s", "--no-print-directory", "lab-env"], cwd=ROOT, capture_output=True, text=True,
        check=True, timeout=120,
    ).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def run_first_cell(tmp_path: Path, code: str, autoload: bool) -> tuple[str, str]:
    """Start a kernel as JupyterLab would under `make lab` and run ``code`` as its first cell."""
    env = lab_env()
    policy = yaml.safe_load((EXAMPLES / "privacy_policy.yaml").read_text("utf-8"))
    assert policy["kernel"]["autoload"] is True  # what the example promises
    policy["kernel"]["autoload"] = autoload
    policy["log"]["path"] = str(tmp_path / "ledger.sqlite3")  # not the developer's own log
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(policy), "utf-8")
    shutil.copytree(EXAMPLES / "data", tmp_path / "data")
    env.update(
        JUPYTER_PRIVACY_POLICY=str(tmp_path / "policy.yaml"),
        JUPYTER_PRIVACY_KEY="6b" * 32,
        JUPYTER_PRIVACY_NOTEBOOK=str(tmp_path / "churn_demo.ipynb"),
    )
    km, kc = start_new_kernel(kernel_name="python3", env=env, cwd=str(tmp_path))
    streams: list[str] = []
    errors: list[str] = []

    def collect(msg: dict) -> None:  # type: ignore[type-arg]
        if msg["msg_type"] == "stream":
            streams.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

    try:
        kc.execute_interactive(code, output_hook=collect, timeout=180)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return "".join(streams), "\n".join(errors)


def test_the_example_notebooks_first_load_works(tmp_path: Path) -> None:
    out, errors = run_first_cell(
        tmp_path, "customers = %privacy_load data/customers.csv\nprint(customers.shape)", autoload=True
    )
    assert not errors, errors
    assert "(400, 14)" in out


def test_a_privacy_magic_without_the_extension_says_how_to_load_it(tmp_path: Path) -> None:
    out, errors = run_first_cell(tmp_path, "%privacy_load data/customers.csv", autoload=False)
    assert "%load_ext jupyter_privacy" in out + errors, (out, errors)
    assert "Traceback" not in out + errors


def test_other_usage_errors_are_unchanged(tmp_path: Path) -> None:
    out, errors = run_first_cell(tmp_path, "%no_such_magic", autoload=False)
    assert "no_such_magic" in out + errors and "load_ext jupyter_privacy" not in out + errors


def test_jupyter_privacy_is_on_the_terminals_path() -> None:
    env = lab_env()
    dry_run = subprocess.run(
        ["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert 'terminado_settings="shell_command=' in dry_run  # a non-login shell keeps PATH
    found = subprocess.run(
        ["bash", "-c", "command -v jupyter-privacy"], env=env, capture_output=True, text=True, check=False
    ).stdout.strip()
    assert found == str(ROOT / ".venv" / "bin" / "jupyter-privacy")

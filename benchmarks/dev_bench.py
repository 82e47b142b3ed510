"""The shared dev benchmark (../shared/bench/pii_columns) through our CLI and through
presidio-structured, side by side in one run.

    python benchmarks/dev_bench.py [--bench ../shared/bench/pii_columns] [--rows 500] [--skip-reference]

Generates the labelled tables, scores `jupyter-privacy scan --format json` and the reference
(presidio-structured + spaCy en_core_web_sm, 500-row sample), and prints both summary lines and the
speed ratio. Needs the `bench` extra (presidio-structured, faker) and the `ner` extra (the spaCy model).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def score(bench: Path, data: Path, cmd: list[str]) -> tuple[str, float]:
    out = subprocess.run(
        [sys.executable, str(bench / "score.py"), str(data), "--", *cmd],
        capture_output=True,
        text=True,
        check=True,
        cwd=bench,
    ).stdout
    summary = out.strip().splitlines()[-1]
    seconds = float(re.search(r"seconds=([0-9.]+)", summary).group(1))  # type: ignore[union-attr]
    return out, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bench", type=Path, default=HERE.parent.parent / "shared" / "bench" / "pii_columns")
    ap.add_argument("--rows", type=int, default=500)
    ap.add_argument("--skip-reference", action="store_true")
    args = ap.parse_args()
    bench = args.bench.resolve()
    data = Path(tempfile.mkdtemp(prefix="pii_columns_"))
    try:
        subprocess.run(
            [sys.executable, str(bench / "gen_dev.py"), str(data)], check=True, capture_output=True
        )
        ours_cmd = [str(Path(sys.executable).with_name("jupyter-privacy")), "scan", "--format", "json"]
        ours, t_ours = score(bench, data, ours_cmd)
        print("jupyter-privacy scan:\n" + ours)
        if args.skip_reference:
            return
        ref_cmd = [
            sys.executable,
            str(bench / "presidio_structured_scan.py"),
            "--model",
            "sm",
            "--rows",
            str(args.rows),
        ]
        ref, t_ref = score(bench, data, ref_cmd)
        print(f"presidio-structured (spaCy sm, {args.rows}-row sample):\n" + ref)
        ratio = t_ref / t_ours
        print(f"speed: jupyter-privacy {t_ours:.1f} s, presidio-structured {t_ref:.1f} s: {ratio:.1f}x")
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()

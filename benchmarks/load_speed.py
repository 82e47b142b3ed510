"""Cold masked load vs plain ``pandas.read_csv`` of a 1,000,000-row CSV, and the cost of cell tracking.

    python benchmarks/load_speed.py [--rows 1000000] [--people 200000] [--repeat 5] [--breakdown]

The CSV has 5 personal-data columns (name, email, phone, SSN, street) drawn from a pool of
--people distinct people, plus an id, an amount and a status; it is generated once into
benchmarks/out/. Each measurement runs in a fresh Python process (a "fresh kernel"), alternating
plain and masked, and the medians are compared:

- time: ``pd.read_csv(path)`` vs ``PrivacySession.load(path)`` (read + content hash + scan + mask +
  log); the session is created and warmed up first, as ``%load_ext jupyter_privacy`` does;
- memory: peak RSS during the call minus RSS just before it;
- cell tracking: per-cell time of ``run_cell`` in an IPython shell with the extension vs without.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

PLAIN = """
import resource, time, json, sys
import pandas as pd
def rss():
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * 4096
before = rss()
t0 = time.perf_counter(); df = pd.read_csv(sys.argv[1]); t = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": t, "mem": peak - before, "shape": list(df.shape)}))
"""

MASKED = """
import resource, time, json, sys
from jupyter_privacy.kernel import _warm_up
from jupyter_privacy.kernel.session import PrivacySession
session = PrivacySession()
session.start()
_warm_up()
def rss():
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * 4096
before = rss()
t0 = time.perf_counter(); df = session.load(sys.argv[1]); t = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
flagged = [c.name for c in next(iter(session.datasets.values())).scan.flagged()]
print(json.dumps({"seconds": t, "mem": peak - before, "shape": list(df.shape), "flagged": flagged}))
"""

BREAKDOWN = """
import json, resource, sys, time
from jupyter_privacy.kernel import _warm_up
from jupyter_privacy.kernel import session as S
session = S.PrivacySession()
session.start()
_warm_up()
stages = {}
def usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime
def timed(name):
    fn = getattr(S, name)
    def wrapper(*args, **kwargs):
        (u0, s0), t0 = usage(), time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            (u1, s1), wall = usage(), time.perf_counter() - t0
            stages[name] = {"wall": wall, "user": u1 - u0, "sys": s1 - s0}
    setattr(S, name, wrapper)
for name in ("read_table", "scan_dataframe", "mask_frame", "record_fingerprints"):
    timed(name)
(u0, s0), t0 = usage(), time.perf_counter()
session.load(sys.argv[1])
(u1, s1), wall = usage(), time.perf_counter() - t0
stages["whole load"] = {"wall": wall, "user": u1 - u0, "sys": s1 - s0}
print(json.dumps(stages))
"""

CELLS = """
import time, json, sys
from IPython.core.interactiveshell import InteractiveShell
ip = InteractiveShell.instance()
if sys.argv[1] == "on":
    ip.run_line_magic("load_ext", "jupyter_privacy")
for _ in range(200):
    ip.run_cell("x = 1", store_history=True)
t0 = time.perf_counter()
n = 3000
for _ in range(n):
    ip.run_cell("x = 1", store_history=True)
print(json.dumps({"per_cell": (time.perf_counter() - t0) / n}))
"""


def make_csv(rows: int, people: int) -> Path:
    path = OUT / f"people_{rows}_{people}.csv"
    if path.exists():
        return path
    sys.path.insert(0, str(HERE))
    import numpy as np
    from _data import people_pool

    OUT.mkdir(exist_ok=True)
    pool = people_pool(people)
    rng = np.random.default_rng(3)
    df = pool.iloc[rng.integers(0, people, size=rows), :5].reset_index(drop=True)
    df.insert(0, "order_id", np.arange(rows))
    df["amount"] = rng.uniform(0, 1000, size=rows).round(2)
    df["status"] = rng.choice(["new", "paid", "shipped"], size=rows)
    df.to_csv(path, index=False)
    return path


def run(code: str, *args: str, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--breakdown",
        action="store_true",
        help="also time each stage of one governed load (wall and CPU seconds; the file hash runs "
        "on a second thread during scan and masking)",
    )
    args = ap.parse_args()
    path = make_csv(args.rows, args.people)

    from _scratch import scratch_dir

    tmp = scratch_dir("jp-bench-")
    policy = tmp / "policy.yaml"
    policy.write_text(
        textwrap.dedent(f"""\
        version: 1
        controller: {{name: Benchmark Ltd, contact: dpo@example.org}}
        log: {{path: {tmp / "ledger.sqlite3"}}}
        """)
    )
    env = dict(
        os.environ,
        JUPYTER_PRIVACY_POLICY=str(policy),
        JUPYTER_PRIVACY_KEY="b" * 64,
        JUPYTER_PRIVACY_NOTEBOOK=str(tmp / "bench.ipynb"),
    )

    plain, masked = [], []
    for _ in range(args.repeat):
        plain.append(run(PLAIN, str(path), env=env))
        masked.append(run(MASKED, str(path), env=env))
    t_plain = statistics.median(r["seconds"] for r in plain)
    t_masked = statistics.median(r["seconds"] for r in masked)
    m_plain = statistics.median(r["mem"] for r in plain)
    m_masked = statistics.median(r["mem"] for r in masked)
    print(
        f"file: {path.name} ({path.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows, {args.people:,} people)"
    )
    print(f"flagged: {', '.join(masked[0]['flagged'])}")
    print(f"pandas.read_csv     : median {t_plain:.3f} s, peak +{m_plain / 1e6:.0f} MB")
    print(f"privacy load (cold) : median {t_masked:.3f} s, peak +{m_masked / 1e6:.0f} MB")
    print(
        f"ratio time {t_masked / t_plain:.2f}x (target <= 3x, stretch 2x); memory {m_masked / m_plain:.2f}x (target <= 2.5x)"
    )

    if args.breakdown:
        runs = [run(BREAKDOWN, str(path), env=env) for _ in range(3)]
        print("stages of a governed load (median of 3 fresh processes; CPU = user + system):")
        for stage in runs[0]:
            wall = statistics.median(r[stage]["wall"] for r in runs)
            cpu = statistics.median(r[stage]["user"] + r[stage]["sys"] for r in runs)
            print(f"  {stage:20s} wall {wall:.3f} s, CPU {cpu:.3f} s")

    off = statistics.median(run(CELLS, "off", env=env)["per_cell"] for _ in range(3))
    on = statistics.median(run(CELLS, "on", env=env)["per_cell"] for _ in range(3))
    print(
        f"cell tracking: {off * 1e6:.0f} us/cell without, {on * 1e6:.0f} us/cell with -> +{(on - off) * 1e6:.0f} us (target < 1000 us)"
    )


if __name__ == "__main__":
    main()

"""What normalising identifiers for the erasure fingerprints costs a governed load.

    python benchmarks/erasure_normalise.py [--rows 1000000] [--people 200000] [--repeat 5]

Same CSV as ``load_speed.py`` (5 personal-data columns: name, email, phone, SSN, street; ``--people``
distinct people). In one process, alternating, ``PrivacySession.load`` runs

- as shipped: phone, name and SSN columns are normalised (E.164 / case and spacing / no separators) and
  their distinct values keyed once more; e-mail and street reuse the masking digests;
- as the baseline: every fingerprinted column reuses the masking step's token digests (the fingerprint
  before normalisation, scheme jp-bloom-v1).

Prints the median load time of each, their ratio, and the time spent computing erasure digests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from _scratch import scratch_dir

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from load_speed import make_csv

    path = make_csv(args.rows, args.people)
    tmp = scratch_dir("jp-bench-norm-")
    policy = tmp / "policy.yaml"
    policy.write_text(
        textwrap.dedent(f"""\
        version: 1
        controller: {{name: Benchmark Ltd, contact: dpo@example.org}}
        log: {{path: {tmp / "ledger.sqlite3"}}}
        """)
    )
    os.environ.update(
        JUPYTER_PRIVACY_POLICY=str(policy),
        JUPYTER_PRIVACY_KEY="b" * 64,
        JUPYTER_PRIVACY_NOTEBOOK=str(tmp / "bench.ipynb"),
    )
    import pyarrow.compute as pc

    from jupyter_privacy.kernel import _warm_up
    from jupyter_privacy.kernel.session import PrivacySession
    from jupyter_privacy.mask import frame
    from jupyter_privacy.mask.normalise import ErasureDigests, erasure_digests
    from jupyter_privacy.mask.tokens import hmac_digests

    spent: list[float] = []

    def timed(*a: Any, **kw: Any) -> ErasureDigests:
        t0 = time.perf_counter()
        try:
            return erasure_digests(*a, **kw)
        finally:
            spent.append(time.perf_counter() - t0)

    def baseline(distinct: Any, entity: str, key: Any, regions: Any, token_digests: Any = None) -> Any:
        t0 = time.perf_counter()
        try:
            if token_digests is not None:
                return ErasureDigests(token_digests)
            return ErasureDigests(hmac_digests(pc.utf8_trim_whitespace(distinct), key))
        finally:
            spent.append(time.perf_counter() - t0)

    session = PrivacySession()
    session.start()
    _warm_up()
    results: dict[str, list[float]] = {"baseline": [], "normalised": []}
    digest_time: dict[str, list[float]] = {"baseline": [], "normalised": []}
    for _ in range(args.repeat):
        for name, fn in (("baseline", baseline), ("normalised", timed)):
            frame.erasure_digests = fn  # type: ignore[assignment]
            spent.clear()
            t0 = time.perf_counter()
            session.load(path)
            results[name].append(time.perf_counter() - t0)
            digest_time[name].append(sum(spent))
            session.datasets.clear()
    base, norm = (statistics.median(results[k]) for k in ("baseline", "normalised"))
    print(f"file: {path.name} ({args.rows:,} rows, {args.people:,} people), {args.repeat} loads each")
    for k in ("baseline", "normalised"):
        print(
            f"{k:10s}: load median {statistics.median(results[k]):.3f} s; erasure digests "
            f"{statistics.median(digest_time[k]):.3f} s (summed over columns, on 2 threads)"
        )
    print(f"ratio normalised / baseline: {norm / base:.2f}x")


if __name__ == "__main__":
    main()

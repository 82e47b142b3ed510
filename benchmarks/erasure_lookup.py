"""Erasure look-up speed: a store with 1,000 dataset loads of 100,000 rows each.

Builds the fingerprints directly with the library (synthetic tokens for an e-mail and a phone column per
load: 200,000 items per filter), logs one ``dataset_loaded`` record per load (spread over 50 notebooks)
in a real ledger, then times ``erasure_lookup`` for a present and an absent person (median of 7 runs).

    .venv/bin/python benchmarks/erasure_lookup.py [--loads 1000] [--rows 100000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from _scratch import scratch_dir

from jupyter_privacy.ledger import SqliteLedgerStore
from jupyter_privacy.mask.keys import MaskingKey
from jupyter_privacy.mask.tokens import token_for
from jupyter_privacy.records.erasure import erasure_lookup, parse_subject
from jupyter_privacy.records.fingerprints import (
    FingerprintStore,
    build_filter,
    fingerprint_path,
    item_hashes,
    token_digests,
)

POLICY_SHA = "0" * 64


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loads", type=int, default=1000)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--notebooks", type=int, default=50)
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args()
    directory = args.dir or scratch_dir("erasure-bench-")
    ledger = directory / "ledger.sqlite3"
    key = MaskingKey("b" * 64)
    alice = "alice@example.com"
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    with SqliteLedgerStore(ledger) as store, FingerprintStore(fingerprint_path(ledger)) as fps:
        for i in range(args.loads):
            emails = rng.integers(0, 2**63, args.rows, dtype=np.uint64)
            if i == args.loads // 2:  # alice is in exactly one load
                emails[0] = token_digests([token_for(alice, key, "EMAIL_ADDRESS")], "EMAIL_ADDRESS")[0]
            phones = rng.integers(0, 2**63, args.rows, dtype=np.uint64)
            bloom = build_filter(
                np.concatenate([item_hashes(emails, "EMAIL_ADDRESS"), item_hashes(phones, "PHONE_NUMBER")])
            )
            sha = fps.put(bloom)
            store.append(
                f"/bench/nb{i % args.notebooks:03d}.ipynb",
                "dataset_loaded",
                {
                    "dataset": f"ds-{i:012x}",
                    "source": f"/data/part-{i}.csv",
                    "content_sha256": f"{i:064x}",
                    "shape": [args.rows, 2],
                    "findings": [
                        {"name": "email", "category": "direct", "entities": ["EMAIL_ADDRESS"]},
                        {"name": "phone", "category": "direct", "entities": ["PHONE_NUMBER"]},
                    ],
                    "masking": {"key_id": key.key_id, "columns": []},
                    "fingerprints": {
                        "sha256": sha,
                        "fp_rate": bloom.fp_rate,
                        "items": bloom.n_items,
                        "m_log2": bloom.m_log2,
                        "k": bloom.k,
                        "columns": [],
                    },
                },
                kernel_id="bench",
                cell_id=f"c{i}",
                execution_count=1,
                code_sha256="1" * 64,
                policy_sha256=POLICY_SHA,
            )
    build = time.perf_counter() - t0
    size = fingerprint_path(ledger).stat().st_size / 2**20

    def timed(subject: str) -> tuple[float, dict]:
        runs = []
        result: dict = {}
        for _ in range(7):
            with (
                SqliteLedgerStore(ledger, readonly=True) as store,
                FingerprintStore(fingerprint_path(ledger), readonly=True) as fps,
            ):
                t = time.perf_counter()
                result = erasure_lookup(store, fps, key, [parse_subject(subject)], verify_hits=True)
                runs.append(time.perf_counter() - t)
        return statistics.median(runs), result

    present, r1 = timed(f"email={alice}")
    absent, r2 = timed("email=nobody@example.com")
    print(f"command: .venv/bin/python benchmarks/erasure_lookup.py --loads {args.loads} --rows {args.rows}")
    print(
        f"store: {args.loads} loads x {args.rows} rows (2 identifier columns), {args.notebooks} notebooks; "
        f"built in {build:.1f}s; fingerprint sidecar {size:.0f} MiB ({directory})"
    )
    true_id = f"ds-{args.loads // 2:012x}"
    hits = [d["dataset"] for d in r1["datasets"]]
    false_hits = [h for h in hits if h != true_id]
    print(
        f"look-up present person: median {present * 1000:.0f} ms, found in {len(hits)} load(s): "
        f"true load {true_id} {'found' if true_id in hits else 'MISSED'}, false positives {false_hits or 'none'}"
    )
    print(f"look-up absent person:  median {absent * 1000:.0f} ms, found in {len(r2['datasets'])} load(s)")
    print(
        f"stated false-positive rate per load <= {r2['false_positive']['per_load_max']:.2g}; expected false "
        f"hits over the store {r2['false_positive']['expected_false_hits']:.2g}"
    )


if __name__ == "__main__":
    main()

"""Synthetic people tables for benchmarks: a Faker pool of distinct people, resampled to any size.

Generating a million Faker rows takes minutes; drawing rows from a pool of distinct people keeps the
realistic shapes (and the number of distinct people) at a fraction of the cost.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from faker import Faker


def people_pool(n: int, seed: int = 1) -> pd.DataFrame:
    Faker.seed(seed)
    fake = Faker("en_US")
    return pd.DataFrame(
        {
            "name": [fake.name() for _ in range(n)],
            "email": [fake.email() for _ in range(n)],
            "phone": [fake.phone_number() for _ in range(n)],
            "ssn": [fake.ssn() for _ in range(n)],
            "street": [fake.street_address() for _ in range(n)],
            "city": [fake.city() for _ in range(n)],
            "zip": [fake.postcode() for _ in range(n)],
            "birth_date": [fake.date_of_birth().isoformat() for _ in range(n)],
        }
    )


def wide_table(rows: int, pool: pd.DataFrame, seed: int = 2) -> pd.DataFrame:
    """``rows`` x 12 columns: 8 personal-data columns drawn from ``pool`` plus 4 ordinary ones."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(pool), size=rows)
    df = pool.iloc[picks].reset_index(drop=True)
    df["amount"] = rng.uniform(0, 1000, size=rows).round(2)
    df["quantity"] = rng.integers(1, 50, size=rows)
    df["status"] = pd.Categorical(rng.choice(["new", "paid", "shipped", "returned"], size=rows))
    df["gender"] = rng.choice(["female", "male", "other"], size=rows)
    return df

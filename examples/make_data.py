"""Generate the synthetic example datasets in ``examples/data/`` (deterministic: same seed, same files).

    python examples/make_data.py            # writes examples/data/customers.csv and orders.parquet

Every person in these files is invented by Faker; none of them exists. The files are small on purpose
(about 400 customers and 1,500 orders) so the demo notebook and the tests that execute it stay fast.

- ``customers.csv``: one row per customer with direct identifiers (name, e-mail, phone, street
  address), quasi-identifiers (city, postcode, date of birth, gender) and ordinary columns (plan,
  monthly spend, the ``churned`` label).
- ``orders.parquet``: orders keyed by the customer's ``email`` (the same values as in
  ``customers.csv``, so a join on the pseudonymised e-mail works), with a free-text ``support_note``
  of which about 15% mention a phone number or an e-mail address.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from faker import Faker

SEED = 20260114
N_CUSTOMERS = 400
N_ORDERS = 1500
OUT = Path(__file__).resolve().parent / "data"

PLANS = ["basic", "standard", "premium"]
PRODUCTS = ["router", "modem", "tv-box", "sim-only", "fibre-upgrade", "smart-plug", "mesh-wifi"]
NOTES_PLAIN = [
    "Delivered on time.",
    "Customer asked about the invoice date.",
    "Replacement sent after a faulty unit.",
    "Wants to upgrade next month.",
    "Complained about slow delivery.",
    "No issues reported.",
    "Installation appointment rescheduled.",
    "Asked for a paper invoice.",
]


def customers(fake: Faker, rng: random.Random) -> pd.DataFrame:
    rows = []
    emails: set[str] = set()
    today = date(2026, 1, 1)
    for i in range(N_CUSTOMERS):
        gender = rng.choice(["female", "male"])
        first = fake.first_name_female() if gender == "female" else fake.first_name_male()
        last = fake.last_name()
        email = f"{first}.{last}{rng.randint(1, 999)}@{fake.free_email_domain()}".lower()
        while email in emails:  # e-mail is the join key: keep it unique
            email = f"{first}.{last}{rng.randint(1000, 9999)}@{fake.free_email_domain()}".lower()
        emails.add(email)
        plan = rng.choices(PLANS, weights=[5, 3, 2])[0]
        spend = round({"basic": 15, "standard": 30, "premium": 55}[plan] * rng.uniform(0.7, 1.4), 2)
        signup = today - timedelta(days=rng.randint(30, 2500))
        tenure_years = (today - signup).days / 365
        # churn depends on plan, spend and tenure, so the demo model has something to learn
        p = 0.45 - 0.08 * tenure_years + (0.15 if plan == "basic" else -0.05) + rng.uniform(-0.15, 0.15)
        rows.append(
            {
                "customer_id": f"C{100000 + i}",
                "first_name": first,
                "last_name": last,
                "email": email,
                "phone": fake.phone_number(),
                "street_address": fake.street_address().replace("\n", ", "),
                "city": fake.city(),
                "postcode": fake.postcode(),
                "date_of_birth": fake.date_of_birth(minimum_age=18, maximum_age=85).isoformat(),
                "gender": gender,
                "signup_date": signup.isoformat(),
                "plan": plan,
                "monthly_spend": spend,
                "churned": bool(rng.random() < max(0.05, min(0.9, p))),
            }
        )
    return pd.DataFrame(rows)


def orders(fake: Faker, rng: random.Random, cust: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for i in range(N_ORDERS):
        c = cust.iloc[rng.randrange(len(cust))]
        signup = date.fromisoformat(c["signup_date"])
        order_date = signup + timedelta(days=rng.randint(0, max(1, (date(2026, 1, 1) - signup).days)))
        roll = rng.random()
        if roll < 0.08:
            note = f"Customer asked to be called back on {c['phone']} about the delivery."
        elif roll < 0.15:
            note = f"Invoice re-sent to {c['email']} at the customer's request."
        else:
            note = rng.choice(NOTES_PLAIN)
        rows.append(
            {
                "order_id": f"O{500000 + i}",
                "email": c["email"],
                "order_date": pd.Timestamp(order_date),
                "amount": round(rng.uniform(5, 400), 2),
                "product": rng.choice(PRODUCTS),
                "support_note": note,
            }
        )
    return pd.DataFrame(rows).sort_values("order_date", kind="stable").reset_index(drop=True)


def main() -> None:
    fake = Faker("en_GB")
    Faker.seed(SEED)
    rng = random.Random(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    cust = customers(fake, rng)
    cust.to_csv(OUT / "customers.csv", index=False)
    orders(fake, rng, cust).to_parquet(OUT / "orders.parquet", index=False)
    print(f"wrote {OUT / 'customers.csv'} ({len(cust)} rows) and {OUT / 'orders.parquet'} ({N_ORDERS} rows)")


if __name__ == "__main__":
    main()

"""Nested values (JSON objects and arrays in cells) as flat columns, so they can be scanned and masked.

``pd.read_json`` keeps a nested object as a ``dict`` in one cell; detection and masking work on scalar
cells. Objects become one column per field (``contact.email``, as ``pandas.json_normalize`` names them),
arrays become their JSON text (scanned as free text, so addresses inside are still found and masked).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd


def _has(values: pd.Series, kind: type | tuple[type, ...]) -> bool:
    return values.dtype == object and bool(values.map(lambda v: isinstance(v, kind)).any())


def _as_text(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return value


def _expand(name: str, values: pd.Series) -> pd.DataFrame:
    records = [v if isinstance(v, dict) else {} for v in values]
    flat = pd.json_normalize(records, sep=".")
    flat.columns = [f"{name}.{c}" for c in flat.columns]
    flat.index = values.index
    return flat


def flatten_nested(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with object cells expanded into columns and array cells as JSON text; unchanged (the same
    object) when no cell is nested."""
    if not any(_has(df.iloc[:, i], (dict, list)) for i in range(df.shape[1])):
        return df
    parts: list[pd.DataFrame] = []
    for i in range(df.shape[1]):
        name, values = str(df.columns[i]), df.iloc[:, i]
        if _has(values, dict) and not values.map(lambda v: isinstance(v, list)).any():
            parts.append(_expand(name, values))
        elif _has(values, (dict, list)):
            parts.append(values.map(_as_text).to_frame(name))
        else:
            parts.append(values.to_frame(name))
    return flatten_nested(pd.concat(parts, axis=1))

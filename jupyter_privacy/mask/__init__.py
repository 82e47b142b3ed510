"""Masking: keyed join-preserving pseudonyms, generalisation, redaction, free-text spans.

A plain library (no IPython, no tornado): DataFrame + scan findings + policy + key -> masked frame.
Attributes are imported on first use, so ``from jupyter_privacy.mask.keys import load_key`` (the CLI)
does not pull in polars and the recognisers.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .frame import ColumnMasking, MaskedFrame, mask_frame
    from .keys import MaskingKey, MissingKeyError, generate_key, load_key
    from .tokens import pseudonymise, token_for

_WHERE = {
    "ColumnMasking": "frame",
    "MaskedFrame": "frame",
    "mask_frame": "frame",
    "MaskingKey": "keys",
    "MissingKeyError": "keys",
    "generate_key": "keys",
    "load_key": "keys",
    "pseudonymise": "tokens",
    "token_for": "tokens",
}

__all__ = [
    "ColumnMasking",
    "MaskedFrame",
    "MaskingKey",
    "MissingKeyError",
    "generate_key",
    "load_key",
    "mask_frame",
    "pseudonymise",
    "token_for",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

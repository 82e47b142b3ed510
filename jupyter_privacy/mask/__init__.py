"""Masking: keyed join-preserving pseudonyms, generalisation, redaction, free-text spans.

A plain library (no IPython, no tornado): DataFrame + scan findings + policy + key -> masked frame.
"""

from .frame import ColumnMasking, MaskedFrame, mask_frame
from .keys import MaskingKey, MissingKeyError, generate_key, load_key
from .tokens import pseudonymise, token_for

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

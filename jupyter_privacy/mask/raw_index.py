"""Keyed fingerprints of raw values, to recognise them in text without keeping them.

When a user unmasks columns, the raw values of those columns are handed out; wherever they are then
displayed (a table, a ``print``, an error message) they may end up in a saved notebook. A
:class:`RawValueIndex` holds, for each distinct raw value, a 64-bit keyed fingerprint of its canonical
form (HMAC-SHA256 under the masking key, in its own domain so a fingerprint is never a token), and
finds those values in any text by fingerprinting the text's word sequences of the same lengths.

Canonical form: the value's letter/digit runs, case-folded, joined by one space. So
``"Ann.Lee@Example.org"`` matches ``ann.lee@example.org`` in an HTML table, in a quoted list or in a
repr, and ``"(201) 555-0143"`` matches ``201-555-0143`` (and, written without separators,
``2015550143``). Values with fewer than :data:`MIN_CHARS` letters/digits cannot be told apart from
ordinary text and are not indexed (the kernel still marks displays of the granted frames themselves).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .keys import MaskingKey

_CONTEXT = b"jupyter-privacy raw value v1\x00"
_WORD = re.compile(r"[^\W_]+")
MIN_CHARS = 3
MAX_WORDS = 16
"""Values of more words than this are indexed by their first MAX_WORDS words."""
FLOAT_DECIMALS = 6
"""Decimals pandas shows of a float (``display.precision``)."""
CUT_WIDTHS = (20, 50)
"""Cell widths beyond which a display cuts a text to its first ``width - 3`` characters and ``...``:
Spark's ``show()`` (20) and pandas' repr (``display.max_colwidth``, 50). A longer value is also indexed
in those cut forms, so ``annabelle.richardson@example.org`` shown as ``annabelle.richard...`` is found."""


def canonical_words(text: str) -> list[str]:
    """The letter/digit runs of ``text``, case-folded."""
    return [w.casefold() for w in _WORD.findall(text)]


class Fingerprinter:
    """Keyed 64-bit fingerprints of word sequences (one HMAC state, copied per item)."""

    def __init__(self, key: MaskingKey) -> None:
        self._base = hmac.new(key.secret.encode("utf-8"), _CONTEXT, hashlib.sha256)

    def __call__(self, words: list[str]) -> int:
        h = self._base.copy()
        h.update(" ".join(words).encode("utf-8"))
        return int.from_bytes(h.digest()[:8], "big")


@dataclass(frozen=True)
class RawValueIndex:
    """Fingerprints of a set of raw values, and the word counts that occur among them."""

    digests: np.ndarray = field(repr=False)  # sorted, distinct uint64
    lengths: tuple[int, ...]

    @classmethod
    def build(cls, values: Iterable[Any], key: MaskingKey, *, cut: bool = True) -> RawValueIndex:
        """Index the distinct non-null values (their text form; ``cut``: also as displays cut them)."""
        fp = Fingerprinter(key)
        digests: set[int] = set()
        lengths: set[int] = set()
        for value in values:
            if value is None or (isinstance(value, float) and value != value):
                continue
            shown = str(value)
            for text in (cut_forms(shown) if cut else [shown]) + rounded_forms(value):
                _add(canonical_words(text)[:MAX_WORDS], fp, digests, lengths)
        return cls(np.array(sorted(digests), dtype=np.uint64), tuple(sorted(lengths)))

    def __len__(self) -> int:
        return len(self.digests)

    def contains_value(self, value: Any, fp: Fingerprinter) -> bool:
        """Whether one value (e.g. a cell of a displayed frame) is an indexed raw value."""
        words = canonical_words(str(value))[:MAX_WORDS]
        if not words:
            return False
        return bool(np.isin(np.uint64(fp(words)), self.digests))

    def contains_any(self, fingerprints: np.ndarray) -> bool:
        """Whether one of ``fingerprints`` (:func:`value_fingerprints`) is of an indexed raw value."""
        return bool(np.isin(fingerprints, self.digests).any())


def value_fingerprints(values: Iterable[Any], fp: Fingerprinter) -> np.ndarray:
    """The fingerprints of distinct values as :meth:`RawValueIndex.contains_value` reads each, made once
    to check many values against many indexes (one ``isin`` each)."""
    words = {tuple(canonical_words(str(v))[:MAX_WORDS]) for v in values}
    return np.array(sorted(fp(list(w)) for w in words if w), dtype=np.uint64)


def cut_forms(text: str) -> list[str]:
    """``text`` and the forms a display cuts it to (see :data:`CUT_WIDTHS`)."""
    return [text, *(text[: width - 3] for width in CUT_WIDTHS if len(text) > width)]


def rounded_forms(value: Any) -> list[str]:
    """A float of more than :data:`FLOAT_DECIMALS` decimals as pandas shows it, rounded (52.3702157, a
    home's latitude, shown as 52.370216)."""
    if isinstance(value, float) and len(repr(value).partition(".")[2]) > FLOAT_DECIMALS:
        return [f"{value:.{FLOAT_DECIMALS}f}"]
    return []


def _add(words: list[str], fp: Fingerprinter, digests: set[int], lengths: set[int]) -> None:
    if sum(map(len, words)) < MIN_CHARS:
        return
    digests.add(fp(words))
    lengths.add(len(words))
    if len(words) > 1 and all(w.isdigit() for w in words):
        # a number written with separators is printed without them too: "+31 6 12345678"
        # shown as str.replace(" ", "") is the one word 31612345678
        digests.add(fp(["".join(words)]))
        lengths.add(1)


def indexes_in(text: str, indexes: dict[str, RawValueIndex], fp: Fingerprinter) -> set[str]:
    """The names of the indexes whose raw values occur in ``text``.

    Every word sequence of a length that occurs in some index is fingerprinted once.
    """
    if not text or not indexes:
        return set()
    words = canonical_words(text)
    by_length: dict[int, np.ndarray] = {}
    found: set[str] = set()
    for name, index in indexes.items():
        for n in index.lengths:
            if n not in by_length:
                by_length[n] = np.array(
                    [fp(words[i : i + n]) for i in range(len(words) - n + 1)], dtype=np.uint64
                )
            if np.isin(by_length[n], index.digests).any():
                found.add(name)
                break
    return found

"""Text normalisation shared by the header lexicon and the value vocabularies."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# camelCase, acronyms (IPAddress) and letter/digit boundaries (addr1, zip5); the lexicon goes through the
# same split, so "ipv4" still matches "ipv4"
_CAMEL = re.compile(
    r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])"
)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case and strip accents (``Staatsangehörigkeit`` -> ``staatsangehorigkeit``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("ß", "ss").lower()


def tokens(text: str) -> list[str]:
    """Split a header or value into folded word tokens, splitting camelCase too."""
    spaced = _CAMEL.sub(" ", text)
    return [t for t in _NON_ALNUM.split(fold(spaced)) if t]


class PhraseSet:
    """Word phrases ("heart rate", "union") matched as whole tokens inside a header's tokens.

    One-word phrases are a set look-up; only the few longer ones are searched, longest first.
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        parsed = {tuple(tokens(p)) for p in phrases}
        self.singles = frozenset(p[0] for p in parsed if len(p) == 1)
        self.multis = tuple(sorted((p for p in parsed if len(p) > 1), key=len, reverse=True))

    def find(self, toks: list[str]) -> str | None:
        """The longest phrase that occurs in ``toks``, or None."""
        for phrase in self.multis:
            n = len(phrase)
            if any(tuple(toks[i : i + n]) == phrase for i in range(len(toks) - n + 1)):
                return " ".join(phrase)
        return next((t for t in toks if t in self.singles), None)

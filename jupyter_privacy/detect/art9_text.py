"""Art. 9 terms inside free text: diagnoses, treatments, medication, religions, orientations.

A note saying "follow-up for type 2 diabetes; metformin increased" is health data about the person it
describes, whatever else it says. :class:`TermRecognizer` finds the unambiguous terms of the value
vocabularies (``data/vocabularies.yaml``: en, nl, de, fr, es, it) as spans of the original text, so the
classifier can call the column ``special`` and masking can replace each span by its keyed token.

Matching runs on the folded text (lower case, accents stripped: "diabète" -> "diabete") and maps the
spans back to positions in the original text.
"""

from __future__ import annotations

import re

from .recognizers import Span
from .text import fold
from .vocab import text_term_pattern

# Art. 9 concepts searched inside prose. Party and union names are left out: in running text they
# are mostly news ("Labour won"), not the writer's or the subject's affiliation.
TEXT_CONCEPTS = ("HEALTH", "RELIGION", "ETHNICITY", "SEXUAL_ORIENTATION")


def _folded_with_offsets(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` and, for each folded character, the index of the original character."""
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        folded = fold(ch)
        out.append(folded)
        offsets.extend([i] * len(folded))
    return "".join(out), offsets


class TermRecognizer:
    """Finds one concept's unambiguous vocabulary terms in running text (presidio's ``analyze`` shape)."""

    def __init__(self, concept: str) -> None:
        self.concept = concept
        self.pattern: re.Pattern[str] = text_term_pattern(concept)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None) -> list[Span]:
        folded, offsets = _folded_with_offsets(text)
        spans = []
        for m in self.pattern.finditer(folded):
            if m.end() > m.start():
                spans.append(Span(offsets[m.start()], offsets[m.end() - 1] + 1, 0.8))
        return spans

"""Column names and index labels are data too: which labels are personal data.

A headerless CSV makes its first person the header; a JSON object keyed by e-mail address makes the
addresses column names; a pivot of an unmasked column turns its values into column names. Two checks:

- :func:`suspicious_label` -- cheap and conservative (regular expressions only): could this label be
  personal data? Used on every label before it goes into a log record, where a false alarm costs a
  token in place of a harmless name and a miss cannot be undone.
- :func:`label_entity` -- precise: the entity type of a label that *is* personal data, by the same
  value recognisers that classify cells (whole-value matches) and, for labels shaped like a person's
  name, the NER model when one is installed. Used to decide that a header row is data, and which
  column names of a frame become tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from .headers import match_header
from .ner import PERSON_LABELS, NerModel
from .recognizers import ValueRecognizer, builtin_recognizers

MIN_LABEL = 5  # shorter labels ("id", "Jan") cannot be told apart from ordinary column names
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T][\d:.+\-Z]*)?$")
# the tokens jupyter-privacy itself writes (EMAIL_<hex>@masked.invalid, PHONE_<hex>, LABEL_<hex>)
_TOKEN = re.compile(r"^[A-Z][A-Z0-9_]*_[0-9a-f]{16}(?:@masked\.invalid)?$")
_NAME_PUNCTUATION = str.maketrans("", "", "-'.\u2019")  # O'Brien, Jean-Luc, J. (and a typographic apostrophe)


def is_token(label: str) -> bool:
    """Whether ``label`` is a keyed token jupyter-privacy produced (safe to show)."""
    return bool(_TOKEN.match(label))


def name_shaped(label: str) -> bool:
    """Two to five words of letters, the first and the last capitalised: "Anna de Vries"."""
    words = label.split()
    if not 2 <= len(words) <= 5 or not (words[0][:1].isupper() and words[-1][:1].isupper()):
        return False
    return all(w.translate(_NAME_PUNCTUATION).isalpha() for w in words)


def suspicious_label(label: str) -> bool:
    """Could ``label`` be personal data? An e-mail shape, seven or more digits (not a date), or a
    name shape that no column-name concept explains ("Anna de Vries", but not "Full Name")."""
    text = label.strip()
    if len(text) < MIN_LABEL or is_token(text):
        return False
    if "@" in text and _EMAIL.search(text):
        return True
    if sum(ch.isdigit() for ch in text) >= 7 and not _ISO_DATE.match(text):
        return True
    return name_shaped(text) and not match_header(text)


@lru_cache(maxsize=1)
def _label_recognizers() -> tuple[ValueRecognizer, ...]:
    # direct identifiers that stand alone; weak patterns (bare 9-digit numbers) need a header to count
    return tuple(r for r in builtin_recognizers() if r.category == "direct" and not r.needs_header)


def label_entity(label: object, ner: NerModel | None = None) -> str | None:
    """The entity type of a label that is personal data, else None."""
    text = str(label).strip() if label is not None else ""
    if not suspicious_label(text):
        return None
    for recognizer in _label_recognizers():
        if recognizer.prefilter is not None and not recognizer.prefilter.search(text):
            continue
        if recognizer.matches(text, whole=True):
            return recognizer.entity
    if ner is not None and name_shaped(text) and ner.labels([text])[0] & PERSON_LABELS:
        return "PERSON"
    return None


def personal_labels(labels: Iterable[object], ner: NerModel | None = None) -> dict[int, str]:
    """Position -> entity type of every label that is personal data."""
    found = {}
    for position, label in enumerate(labels):
        entity = label_entity(label, ner)
        if entity is not None:
            found[position] = entity
    return found

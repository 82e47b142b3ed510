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
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

import pandas as pd

from .headers import match_header
from .names import NameShape, name_data, name_shape
from .ner import PERSON_LABELS, NerModel
from .recognizers import ValueRecognizer, builtin_recognizers
from .text import fold

_LISTED_NAMES = 3  # labels that must read as full names before the name lists decide (see listed_names)
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
    """Two to five words of letters, the first and the last capitalised: "Anna de Vries", also written
    surname first ("Allen, Elisabeth", "de Vries, Anna", "Vries, Anna de": particles left out)."""
    words = label.replace(",", " ", 1).split() if label.count(",") == 1 else label.split()
    core = [w for w in words if w not in _PARTICLES]
    if not 2 <= len(words) <= 5 or len(core) < 2 or not (core[0][:1].isupper() and core[-1][:1].isupper()):
        return False
    return all(w.translate(_NAME_PUNCTUATION).isalpha() for w in words)


# the lower-case particles of surnames ("de Vries", "van den Berg", "von der Leyen", "da Silva")
_PARTICLES = frozenset(
    {"de", "van", "der", "den", "von", "zu", "di", "da", "del", "della", "la", "le", "ten", "ter"}
)


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
    texts = [str(label).strip() if label is not None else "" for label in labels]
    found = {}
    for position, text in enumerate(texts):
        entity = label_entity(text, ner)
        if entity is not None:
            found[position] = entity
    found.update(dict.fromkeys(listed_names(texts, set(found)), "PERSON"))
    return found


def listed_names(texts: list[str], skip: set[int]) -> list[int]:
    """Positions of labels that are people's names by the shipped name lists, without the NER model.

    One label ("Max Price", "Lincoln Park") can read as a name by chance, so a frame's labels count only
    together: three or more of them must be full names (a known given name and a known surname, in any
    case, surname-first too: "jan jansen", "Allen, Elisabeth"), and at least half of its multi-word
    labels. That is a pivot by person, or a frame keyed by person. ("Max Price" and "Summer Sales" both
    read as names: two are not enough; a frame of two people's names needs the NER model.) A word in
    three or more labels is a pattern of column names, not people ("April Sales", "May Sales", "June
    Sales"; "Olive Green", "Jade Green", "Ivy Green"; "Max Price", "Max Sales", "Max Low"): names holding
    one do not count towards the three. (Two people may share a name: "Jan Jansen", "Jan Bakker".)
    """
    multiword = [p for p, text in enumerate(texts) if p not in skip and _multiword(text)]
    full = [p for p in multiword if _full_name(name_shape(texts[p]))]
    words = {p: _core_words(texts[p]) for p in multiword}
    shared = Counter(w for p in multiword for w in words[p])
    distinct = [p for p in full if all(shared[w] < 3 for w in words[p])]
    return full if len(distinct) >= _LISTED_NAMES and 2 * len(full) >= len(multiword) else []


def _core_words(text: str) -> set[str]:
    """A label's words without titles and particles ("de", "van"), folded: what two names can share."""
    data = name_data()
    words = {fold(w).rstrip(".") for w in text.replace(",", " ").split()}
    return words - data.titles - data.particles


def _multiword(text: str) -> bool:
    return len(text) >= MIN_LABEL and not match_header(text) and name_shape(text).tokens >= 2


def _full_name(shape: NameShape) -> bool:
    return shape.is_name_shaped and shape.tokens >= 2 and shape.given and shape.surname


def header_is_data(df: pd.DataFrame, personal: dict[int, str]) -> bool:
    """Whether a header holding personal data (``personal``: position -> entity) is a person's row (a
    file without a header, or keyed by people) rather than the header of a table by person (a timesheet
    with employees as columns, an attendance list).

    Under a person's row are more people's data of the same kind (e-mail addresses under an e-mail
    address, names under a name; numbers under a number such as a phone number or national id); under a
    by-person header are measurements or answers (hours, "yes"/"no", a stray "sick"): there the labels
    stay the header, and a governed frame shows them as tokens. A column with no values tells neither;
    when none tells, the header is data. A frame with row labels (a JSON object keyed by people, one
    person's fields as rows) is keyed by its column names.
    """
    if personal and not isinstance(df.index, pd.RangeIndex):
        return True
    told = [
        t
        for t in (_over_data(df.iloc[:, p], df.columns[p], entity) for p, entity in personal.items())
        if t is not None
    ]
    return bool(personal) and (any(told) or not told)


def _over_data(column: pd.Series, label: object, entity: str) -> bool | None:
    """True: more people's data under this personal label; False: measurements; None: no values."""
    if _number_like(label):
        return True
    values = column.dropna()
    if values.empty:
        return None
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return False
    sample = values.astype(str).str.strip().head(_SAMPLE)
    return _share(sample, lambda v: _people_data(v, entity)) >= _SAME_KIND


def _people_data(value: str, entity: str) -> bool:
    """Whether a value under a personal label is personal data of the label's kind too (a name by the
    name lists, an address by its recogniser: "On Track" or "Home Office" is shaped like a name, but is
    not one)."""
    if entity == "PERSON":
        shape = name_shape(value)
        return shape.is_name_shaped and shape.tokens >= 2 and (shape.given or shape.surname)
    return any(r.matches(value, whole=True) for r in _label_recognizers() if r.entity == entity)


def _share(values: pd.Series, test: Callable[[str], bool]) -> float:
    return sum(map(test, values)) / len(values)


_SAMPLE = 50  # values looked at under each personal label
_SAME_KIND = 0.5  # at least this share of the values under a personal label of its kind: people's data


def _number_like(label: object) -> bool:
    digits = str(label).translate(_NUMBER_PUNCTUATION)
    return digits.isdigit()


_NUMBER_PUNCTUATION = str.maketrans("", "", " +-().")

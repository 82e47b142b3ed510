"""Personal data in labels (column names, index labels) never reaches a record or a display raw.

Two places:

- a governed frame's labels (:meth:`LabelGuard.prepare` / :meth:`LabelGuard.finish`): a non-trivial
  index is scanned and masked like a column; column names that are personal data become keyed tokens
  (the same token a cell holding that value gets), so the masked frame shows no raw label either;
- every log record (:meth:`LabelGuard.sanitise`, called by ``PrivacySession.log`` before appending):
  each label field (``name``, ``column``, ``columns``, ``quasi_identifiers``) that could be personal
  data and is not a known-safe column name of a governed load becomes a keyed token, and a label
  that is personal data (a governed frame's column name, a label or file name tokenised in any record) is
  replaced wherever it is quoted (a refusal reason, the rows-describe evidence).

A raw value in a hash-chained log cannot be removed later without breaking the chain, so the record
gate errs on the side of a token: a harmless name shaped like a person's ("Total Amount") on a frame
that was never loaded through jupyter-privacy is logged as a token too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..detect.engine import ner_model
from ..detect.labels import label_entity, personal_labels, suspicious_label
from ..mask import MaskingKey, MissingKeyError
from ..mask.tokens import token_for

LABEL_FIELDS = frozenset({"name", "column", "columns", "raw_columns", "targets", "quasi_identifiers"})
# a report per customer is named by the customer, a model registered per customer too
PATH_FIELDS = frozenset({"path", "source", "where", "model_uri", "registered_name"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_EMAIL_IN_NAME = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_URL_AUTHORITY = re.compile(r"^([^/]*://[^/]*)(.*)$", re.DOTALL)
_PASSWORD = re.compile(r"(://[^/@:]*:)[^/@]*@")
_FILE_SUFFIX = re.compile(
    r"\.(?:csv|tsv|txt|json|jsonl|ndjson|parquet|pq|feather|arrow|xlsx|xls|xlsm|ods|html|pdf|pkl|pickle|"
    r"joblib|gz|bz2|zip|xz|zst)$",
    re.IGNORECASE,
)
REDACTED = "LABEL_redacted"


@dataclass
class _Index:
    """How to put back the index a governed frame had before it was scanned as columns."""

    columns: list[str]
    names: list[Any]


class LabelGuard:
    """This session's knowledge of labels: which are personal data (and their tokens), which are safe."""

    def __init__(self, key: Callable[[], MaskingKey], ner_setting: str = "auto") -> None:
        self._key = key
        self._ner_setting = ner_setting
        self.tokens: dict[str, str] = {}
        self.safe: set[str] = set()
        # every label known to be personal data, wherever a message quotes it (a refusal names a column)
        self._pattern: re.Pattern[str] | None = None
        self._pattern_size = 0

    # -- tokens ---------------------------------------------------------------------------------

    def token(self, label: str, entity: str = "LABEL") -> str:
        """The keyed token of a personal-data label (the token a cell with this value gets)."""
        known = self.tokens.get(label)
        if known is not None:
            return known
        try:
            token = token_for(label, self._key(), entity)
        except MissingKeyError:
            token = REDACTED  # no key, no token: an unkeyed hash of a name could be reversed
        self.tokens[label] = token
        return token

    def label(self, text: str) -> str:
        """``text`` as it may appear in a record: itself, or its token."""
        known = self.tokens.get(text)
        if known is not None:
            return known
        if text in self.safe or not (suspicious_label(text) or _suspicious_levels(text)):
            return text
        entity = "EMAIL_ADDRESS" if _EMAIL.fullmatch(text.strip()) else "LABEL"
        return self.token(text, entity)

    # -- records --------------------------------------------------------------------------------

    def sanitise(self, value: Any) -> Any:
        """A copy of a record payload (or a display summary) with every personal-data label tokenised.

        Two passes: label fields first (which may learn new personal labels), then every other string,
        where a known personal label is replaced wherever it is quoted.
        """
        labelled = self._labels(value, None)
        return self._quoted(labelled, None) if self.tokens else labelled

    def _labels(self, value: Any, field: str | None) -> Any:
        if isinstance(value, dict):
            return {k: self._labels(v, k) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._labels(v, field) for v in value]
        if isinstance(value, str) and field in LABEL_FIELDS:
            return self.label(value)
        if isinstance(value, str) and field in PATH_FIELDS:
            return self.path(value)
        return value

    def path(self, text: str) -> str:
        """A file path as it may appear in a record or a message: each folder or file name that is
        personal data (an e-mail address in it, or a name the recognisers call an identifier) becomes
        its token; the folders, the other names and the file's extension stay. A URL's account and host
        (``sql:postgresql://analyst@db.internal/crm``) stay too: they say where, not whom about; a password
        in it (``s3a://key:secret@bucket``) becomes ``***``."""
        where = _URL_AUTHORITY.match(text)
        head, rest = (_PASSWORD.sub(r"\1***@", where.group(1)), where.group(2)) if where else ("", text)
        return head + "".join(self._path_part(part) for part in re.split(r"([/\\])", rest))

    def _path_part(self, part: str) -> str:
        if len(part) < 5:
            return part
        stem, suffix = _split_suffix(part)
        if "@" in stem:
            stem = _EMAIL_IN_NAME.sub(lambda m: self._email_token(m.group(0)), stem)
        if stem in self.tokens:
            return self.tokens[stem] + suffix
        entity = label_entity(stem, ner_model(self._ner_setting)) if suspicious_label(stem) else None
        return (self.token(stem, entity) if entity else stem) + suffix

    def message(self, text: str, labels: Iterable[str] = (), paths: Iterable[str] = ()) -> str:
        """An error message that quotes ``labels`` (names a user typed) and ``paths`` as a record
        would: each one that is personal data replaced by its token."""
        for raw in paths:
            text = text.replace(raw, self.path(raw))
        for raw in sorted(set(labels), key=len, reverse=True):
            shown = self.label(raw)
            if shown != raw:
                text = text.replace(raw, shown)
        return text

    def _email_token(self, text: str) -> str:
        known = self.tokens.get(text)
        return known if known is not None else self.token(text, "EMAIL_ADDRESS")

    def _quoted(self, value: Any, field: str | None) -> Any:
        if isinstance(value, dict):
            return {k: self._quoted(v, k) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._quoted(v, field) for v in value]
        if isinstance(value, str) and field not in LABEL_FIELDS and len(value) >= 5:
            return self._known_pattern().sub(lambda m: self.tokens[m.group(0)], value)
        return value

    def _known_pattern(self) -> re.Pattern[str]:
        if self._pattern is None or self._pattern_size != len(self.tokens):
            raw = sorted((t for t in self.tokens if len(t) >= 5), key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, raw))) if raw else re.compile(r"(?!x)x")
            self._pattern_size = len(self.tokens)
        return self._pattern

    # -- governed frames ------------------------------------------------------------------------

    def personal(self, labels: Iterable[object]) -> dict[int, str]:
        """Position -> entity of the labels that are personal data (see ``detect.labels``)."""
        return personal_labels(labels, ner_model(self._ner_setting))

    def renames(self, labels: list[str]) -> dict[str, str]:
        """Label -> token for the labels of one frame that are personal data."""
        found = self.personal(labels)
        if found:
            # a frame whose labels are people: its other person-shaped labels are people too
            for position, label in enumerate(labels):
                if position not in found and suspicious_label(label):
                    found[position] = label_entity(label) or "LABEL"
        return {labels[p]: self.token(labels[p], entity) for p, entity in found.items()}

    def prepare(self, df: pd.DataFrame) -> tuple[pd.DataFrame, _Index | None]:
        """The frame to scan and mask: its index as leading columns, personal column names tokenised."""
        work, index = _expose_index(df)
        labels = [str(c) for c in work.columns]
        renamed = self.renames(labels)
        self.safe.update(label for label in labels if label not in renamed)
        if renamed:
            work = work.set_axis([renamed.get(label, label) for label in labels], axis=1)
            if index is not None:
                index.columns = [renamed.get(c, c) for c in index.columns]
        return work, index

    def as_scanned(self, raw: pd.DataFrame) -> pd.DataFrame:
        """A re-read raw frame laid out as it was scanned: index as leading columns, personal column
        names as their tokens (so an unmask finds each column where the findings say it is)."""
        work, _index = _expose_index(raw)
        if not any(str(c) in self.tokens for c in work.columns):
            return work
        return work.set_axis([self.tokens.get(str(c), c) for c in work.columns], axis=1)

    def finish(self, masked: pd.DataFrame, index: _Index | None) -> pd.DataFrame:
        """The masked frame with its (masked) index put back."""
        if index is None:
            return masked
        out = masked.set_index(index.columns)
        out.index.names = [None if name is None else self.tokens.get(str(name), name) for name in index.names]
        return out


def _suspicious_levels(text: str) -> bool:
    """A MultiIndex column written as its tuple, ``"('Anna de Vries', 'basic')"``: any level personal."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    return any(suspicious_label(level) for level in re.split(r"""[(),'"]+""", text) if level.strip())


def _split_suffix(name: str) -> tuple[str, str]:
    """``("victor@example.org", ".csv.gz")`` for ``"victor@example.org.csv.gz"``."""
    suffix = ""
    while (match := _FILE_SUFFIX.search(name)) and match.start() > 0:
        name, suffix = name[: match.start()], match.group(0) + suffix
    return name, suffix


def _expose_index(df: pd.DataFrame) -> tuple[pd.DataFrame, _Index | None]:
    """Index labels are data (names as the index): a non-default index becomes leading columns."""
    if isinstance(df.index, pd.RangeIndex):
        return df, None
    taken = {str(c) for c in df.columns}
    original = list(df.index.names)
    columns: list[str] = []
    for level, name in enumerate(original):
        candidate = str(name) if name is not None else ("index" if len(original) == 1 else f"level_{level}")
        while candidate in taken or candidate in columns:
            candidate += "_"
        columns.append(candidate)
    return df.rename_axis(columns).reset_index(), _Index(columns, original)

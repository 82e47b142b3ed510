"""Value recognisers: presidio-analyzer recognisers, plus the few national identifiers it lacks.

Presidio recognisers are built for finding entities inside running text. For column classification
each one is wrapped in a :class:`ValueRecognizer` that adds

- a cheap vectorised *prefilter* (a regular expression over the distinct values), so the presidio
  recogniser only sees values that could possibly match;
- the header concepts that support the entity (the column name acts as presidio's "context");
- whether a match must span the whole value (structured columns) or may sit anywhere (free text).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .checksums import bsn_valid, nir_valid

if TYPE_CHECKING:
    from presidio_analyzer import EntityRecognizer

log = logging.getLogger(__name__)

# Phone regions tried by presidio's PhoneRecognizer: the EU/UK/US/Commonwealth markets the tool
# is used in. Each region costs a pass of libphonenumber's matcher, so the list is kept short.
PHONE_REGIONS = ("US", "GB", "NL", "DE", "FR", "BE", "ES", "IT", "CA", "AU", "IE", "CH", "AT", "IN")

# Values of structured columns count as an entity when the match covers this much of the value.
FULL_SPAN = 0.8


@dataclass(frozen=True)
class ValueRecognizer:
    """One entity type recognised in cell values."""

    entity: str
    recognizer: EntityRecognizer
    prefilter: re.Pattern[str] | None
    category: str = "direct"
    # header concepts (see data/headers.yaml) that back this entity up
    header_concepts: frozenset[str] = frozenset()
    # the match alone is weak (bare 9-digit numbers look like many things); needs header support
    needs_header: bool = False
    # validated by a checksum or a structural check, not just a pattern
    validated: bool = False
    # used on free text too (span inside a longer value)
    in_text: bool = True
    text_prefilter: re.Pattern[str] | None = None
    min_score: float = 0.0
    context: tuple[str, ...] = field(default=())

    def matches(self, value: str, *, whole: bool) -> bool:
        """Whether ``value`` contains (``whole=False``) or is (``whole=True``) this entity."""
        try:
            results = self.recognizer.analyze(value, [self.entity], None)  # type: ignore[arg-type]
        except Exception:
            log.debug("recogniser %s failed on a value", self.entity, exc_info=True)
            return False
        length = len(value)
        for r in results:
            if r.score < self.min_score:
                continue
            if not whole or (r.end - r.start) >= FULL_SPAN * length:
                return True
        return False


def _nl_bsn() -> EntityRecognizer:
    from presidio_analyzer import Pattern, PatternRecognizer

    class NlBsnRecognizer(PatternRecognizer):
        """Dutch citizen service number (burgerservicenummer), validated with the 11-proef."""

        def validate_result(self, pattern_text: str) -> bool:
            return bsn_valid(pattern_text)

    return NlBsnRecognizer(
        supported_entity="NL_BSN",
        patterns=[Pattern("BSN", r"\b\d{4}\.?\d{2}\.?\d{3}\b|\b\d{8}\b", 0.3)],
        context=["bsn", "burgerservicenummer", "sofinummer"],
        supported_language="en",
    )


def _fr_nir() -> EntityRecognizer:
    from presidio_analyzer import Pattern, PatternRecognizer

    class FrNirRecognizer(PatternRecognizer):
        """French social security number (NIR / numéro INSEE), validated with its mod-97 key."""

        def validate_result(self, pattern_text: str) -> bool:
            return nir_valid(pattern_text)

    return FrNirRecognizer(
        supported_entity="FR_NIR",
        patterns=[
            Pattern(
                "NIR",
                r"\b[1-478]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}\s?\d{2}\b",
                0.3,
            )
        ],
        context=["nir", "insee", "securite sociale", "sécurité sociale"],
        supported_language="en",
    )


def _email() -> EntityRecognizer:
    import tldextract
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    # presidio's EmailRecognizer calls tldextract's module-level extractor, which tries to download
    # the public suffix list and prints tracebacks when offline. Use the bundled snapshot instead.
    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return offline(pattern_text).fqdn != ""

    return OfflineEmailRecognizer()


def _phone() -> EntityRecognizer:
    from presidio_analyzer import RecognizerResult
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer

    class FirstRegionPhoneRecognizer(PhoneRecognizer):
        """presidio's PhoneRecognizer, stopping at the first region that finds a number.

        The stock recogniser runs libphonenumber's matcher once per region even after a match; for
        a yes/no answer per value the first region that matches is enough.
        """

        def analyze(
            self, text: str, entities: list[str], nlp_artifacts: object = None
        ) -> list[RecognizerResult]:
            regions = self.supported_regions
            try:
                for region in regions:
                    self.supported_regions = (region,)
                    found = super().analyze(text, entities, nlp_artifacts)  # type: ignore[arg-type]
                    if found:
                        return found
                return []
            finally:
                self.supported_regions = regions

    return FirstRegionPhoneRecognizer(supported_regions=PHONE_REGIONS)


def _credit_card() -> EntityRecognizer:
    from presidio_analyzer import Pattern
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer

    # presidio's stock pattern stops at 17 digits and misses the Mastercard 2-series (2221-2720),
    # 19-digit Visa, 12-digit Maestro and JCB 2131/1800 ranges; its Luhn validation is kept.
    pattern = r"\b(?:4\d{3}|5\d{3}|2[2-7]\d{2}|6\d{3}|3\d{3}|1800|2131)(?:[- ]?\d){8,15}\b"
    return CreditCardRecognizer(patterns=[Pattern("card number (IIN ranges)", pattern, 0.3)])


def _person_in_text() -> EntityRecognizer:
    """Self-introductions in free text ("my name is Jan Jansen", "je m'appelle Marie Dupont")."""
    from presidio_analyzer import Pattern, PatternRecognizer

    intro = (
        r"(?i:my name is|my name's|i am|i'm|mijn naam is|ik ben|ik heet|ich bin|ich heiße|"
        r"ich heisse|mein name ist|je m'appelle|je suis|mon nom est|me llamo|mi nombre es|soy|"
        r"mi chiamo|sono)"
    )
    name = r"[A-ZÀ-Þ][a-zß-ÿ'\-]+(?:\s+(?:van|de|der|den|von|du|da|di|le|la)?\s*[A-ZÀ-Þ][a-zß-ÿ'\-]+){0,3}"
    return PatternRecognizer(
        supported_entity="PERSON",
        patterns=[Pattern("self introduction", rf"(?<=\b){intro}\s+{name}", 0.6)],
        supported_language="en",
        # presidio matches case-insensitively by default, which would make "I am very happy" an
        # introduction of "very"; the introduction words carry their own (?i:...) group instead
        global_regex_flags=re.DOTALL | re.MULTILINE,
    )


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@lru_cache(maxsize=1)
def builtin_recognizers() -> tuple[ValueRecognizer, ...]:
    """The built-in value recognisers (created once per process; presidio objects are reusable)."""
    from presidio_analyzer.predefined_recognizers import (
        DeTaxIdRecognizer,
        EsNifRecognizer,
        IbanRecognizer,
        IpRecognizer,
        ItFiscalCodeRecognizer,
        MacAddressRecognizer,
        NhsRecognizer,
        PlPeselRecognizer,
        UkNinoRecognizer,
        UkPostcodeRecognizer,
        UsSsnRecognizer,
    )

    digits_7 = r"(?:\D*\d){7}"
    return (
        ValueRecognizer(
            "EMAIL_ADDRESS",
            _email(),
            _compile(r"[^@\s]+@[^@\s]+\.[^@\s]+"),
            header_concepts=frozenset({"EMAIL_ADDRESS"}),
            validated=True,
            text_prefilter=_compile(r"@"),
        ),
        ValueRecognizer(
            "CREDIT_CARD",
            _credit_card(),
            _compile(r"(?:\d[ \-]?){12,18}\d"),
            header_concepts=frozenset({"CREDIT_CARD"}),
            validated=True,
            text_prefilter=_compile(r"(?:\d[ \-]?){12,18}\d"),
        ),
        ValueRecognizer(
            "IBAN_CODE",
            IbanRecognizer(),
            _compile(r"(?i)[a-z]{2}\d{2}[ ]?(?:[a-z0-9]{1,4}[ ]?){3,8}"),
            header_concepts=frozenset({"IBAN_CODE"}),
            validated=True,
            text_prefilter=_compile(r"(?i)\b[a-z]{2}\d{2}"),
        ),
        ValueRecognizer(
            "IP_ADDRESS",
            IpRecognizer(),
            _compile(r"(?i)[0-9a-f:.]{7,45}(?:/\d{1,3})?"),
            header_concepts=frozenset({"IP_ADDRESS"}),
            validated=True,
            text_prefilter=_compile(r"\d+\.\d+\.\d+\.\d+|[0-9a-fA-F]{1,4}::?[0-9a-fA-F]{1,4}:"),
        ),
        ValueRecognizer(
            "MAC_ADDRESS",
            MacAddressRecognizer(),
            _compile(r"(?i)(?:[0-9a-f]{2}[:\-]){5}[0-9a-f]{2}|(?:[0-9a-f]{4}\.){2}[0-9a-f]{4}"),
            header_concepts=frozenset({"MAC_ADDRESS"}),
            validated=True,
            text_prefilter=_compile(r"(?i)(?:[0-9a-f]{2}[:\-]){5}[0-9a-f]{2}"),
        ),
        ValueRecognizer(
            "NL_BSN",
            _nl_bsn(),
            _compile(r"\d{4}\.?\d{2}\.?\d{3}|\d{8}"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            in_text=False,
        ),
        ValueRecognizer(
            "UK_NHS",
            NhsRecognizer(),
            _compile(r"\d{3}[ \-]?\d{3}[ \-]?\d{4}"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            in_text=False,
        ),
        ValueRecognizer(
            "UK_NINO",
            UkNinoRecognizer(),
            _compile(r"(?i)[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d]"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            text_prefilter=_compile(r"(?i)\b[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d]\b"),
        ),
        ValueRecognizer(
            "FR_NIR",
            _fr_nir(),
            _compile(r"(?i)[1-478][\d ]{12,18}|[1-478][\d ]{5,7}2[ab][\d ]{6,10}"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            text_prefilter=_compile(r"\b[1-478]\s?\d{2}\s?\d{2}"),
        ),
        ValueRecognizer(
            "DE_TAX_ID",
            DeTaxIdRecognizer(),
            _compile(r"[1-9]\d{10}"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            in_text=False,
        ),
        ValueRecognizer(
            "ES_NIF",
            EsNifRecognizer(),
            _compile(r"(?i)\d{8}-?[a-z]"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            in_text=False,
        ),
        ValueRecognizer(
            "IT_FISCAL_CODE",
            ItFiscalCodeRecognizer(),
            _compile(r"(?i)[a-z]{6}\d{2}[a-z]\d{2}[a-z]\d{3}[a-z]"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            in_text=False,
        ),
        ValueRecognizer(
            "PL_PESEL",
            PlPeselRecognizer(),
            _compile(r"\d{11}"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            in_text=False,
        ),
        ValueRecognizer(
            # bare 9-digit numbers are SSNs only when the header says so; 123-45-6789 stands alone
            "US_SSN",
            UsSsnRecognizer(),
            _compile(r"\d{3}[- .]?\d{2}[- .]?\d{4}"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            min_score=0.5,
            text_prefilter=_compile(r"\b\d{3}[- .]\d{2}[- .]\d{4}\b"),
        ),
        ValueRecognizer(
            "PHONE_NUMBER",
            _phone(),
            _compile(rf"(?=^{digits_7})\+?[\d\s().\-/]{{7,22}}(?:\s*(?:x|ext\.?|#)\s*\d{{1,6}})?"),
            header_concepts=frozenset({"PHONE_NUMBER"}),
            text_prefilter=_compile(digits_7),
        ),
        ValueRecognizer(
            "UK_POSTCODE",
            UkPostcodeRecognizer(),
            _compile(r"(?i)[a-z]{1,2}\d[a-z\d]? ?\d[a-z]{2}"),
            category="quasi",
            header_concepts=frozenset({"POSTCODE"}),
            in_text=False,
        ),
    )


def custom_recognizers(specs: Iterable[Any]) -> tuple[ValueRecognizer, ...]:
    """Value recognisers for the policy's ``detection.custom_recognizers`` entries."""
    from presidio_analyzer import Pattern, PatternRecognizer

    out = []
    for spec in specs:
        recognizer = PatternRecognizer(
            supported_entity=spec.entity,
            name=spec.name,
            patterns=[Pattern(p.name, p.regex, p.score) for p in spec.patterns],
            context=list(spec.context),
            supported_language="en",
        )
        out.append(
            ValueRecognizer(
                spec.entity,
                recognizer,
                prefilter=None,
                category=spec.category,
                header_concepts=frozenset({spec.entity}),
                context=tuple(spec.context) + tuple(spec.header_keywords),
            )
        )
    return tuple(out)


def text_recognizers(recognizers: Sequence[ValueRecognizer]) -> tuple[ValueRecognizer, ...]:
    """The recognisers that are meaningful inside running text, plus self-introduced names."""
    person = ValueRecognizer(
        "PERSON",
        _person_intro(),
        None,
        text_prefilter=_compile(
            r"(?i)\b(?:name|naam|ben|heet|bin|hei|suis|appelle|llamo|soy|chiamo|sono|i am|i'm)\b"
        ),
    )
    return (*tuple(r for r in recognizers if r.in_text), person)


@lru_cache(maxsize=1)
def _person_intro() -> EntityRecognizer:
    return _person_in_text()

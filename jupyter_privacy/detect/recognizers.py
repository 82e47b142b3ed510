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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from .checksums import bsn_valid, nir_valid

if TYPE_CHECKING:
    from presidio_analyzer import EntityRecognizer

log = logging.getLogger(__name__)

# Phone regions tried by presidio's PhoneRecognizer: the EU/UK/US/Commonwealth markets the tool
# is used in. Each region costs a pass of libphonenumber's matcher, so the list is kept short.
PHONE_REGIONS = ("US", "GB", "NL", "DE", "FR", "BE", "ES", "IT", "CA", "AU", "IE", "CH", "AT", "IN")

# Values of structured columns count as an entity when the match covers this much of the value.
FULL_SPAN = 0.8


class Span(NamedTuple):
    """A match, shaped like presidio's RecognizerResult where the recognisers' callers look."""

    start: int
    end: int
    score: float


class RegexRecognizer:
    """A recogniser for our own identifiers: a pattern plus an optional check-digit function.

    It answers presidio's ``analyze(text, entities, nlp_artifacts)`` call without importing presidio,
    so scanning a table of, say, BSNs and dates never pays for loading presidio and spaCy.
    """

    def __init__(self, pattern: str, score: float, validate: Callable[[str], bool] | None = None) -> None:
        self.pattern = re.compile(pattern)
        self.score = score
        self.validate = validate

    def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None) -> list[Span]:
        found = []
        for m in self.pattern.finditer(text):
            if self.validate is None:
                found.append(Span(m.start(), m.end(), self.score))
            elif self.validate(m.group()):
                found.append(Span(m.start(), m.end(), 1.0))
        return found


class RecognizerFailed(Exception):
    """A recogniser raised on a value; carries the entity and the error type, never the value."""

    def __init__(self, entity: str, error: str) -> None:
        super().__init__(f"recogniser {entity} failed ({error})")
        self.entity = entity
        self.error = error


@dataclass(frozen=True)
class ValueRecognizer:
    """One entity type recognised in cell values."""

    entity: str
    # builds the recogniser on first use: presidio (and spaCy, which it imports) load only when a
    # value has passed a presidio recogniser's prefilter
    factory: Callable[[], Any] = field(repr=False)
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

    @cached_property
    def recognizer(self) -> Any:
        return self.factory()

    def matches(self, value: str, *, whole: bool) -> bool:
        """Whether ``value`` contains (``whole=False``) or is (``whole=True``) this entity.

        Raises :class:`RecognizerFailed` when the recogniser cannot be built or raises: a failure
        must not read as "not personal data" (the classifier fails closed on it).
        """
        try:
            results = self.recognizer.analyze(value, [self.entity], None)
        except Exception as exc:
            # no traceback and no message: either could quote the value, which may be personal data
            log.warning("recogniser %s failed on a sampled value (%s)", self.entity, type(exc).__name__)
            raise RecognizerFailed(self.entity, type(exc).__name__) from None
        length = len(value)
        for r in results:
            if r.score < self.min_score:
                continue
            if not whole or (r.end - r.start) >= FULL_SPAN * length:
                return True
        return False


def _nl_bsn() -> RegexRecognizer:
    """Dutch citizen service number (burgerservicenummer), validated with the 11-proef."""
    return RegexRecognizer(r"\b\d{4}\.?\d{2}\.?\d{3}\b|\b\d{8}\b", 0.3, bsn_valid)


def _fr_nir() -> RegexRecognizer:
    """French social security number (NIR / numéro INSEE), validated with its mod-97 key."""
    return RegexRecognizer(
        r"\b[1-478]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}\s?\d{2}\b",
        0.3,
        nir_valid,
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


def _person_in_text() -> RegexRecognizer:
    """Self-introductions in free text ("my name is Jan Jansen", "je m'appelle Marie Dupont").

    Case-sensitive on the name (capitalised words); the introduction words carry their own
    case-insensitive group.
    """
    intro = (
        r"(?i:my name is|my name's|i am|i'm|mijn naam is|ik ben|ik heet|ich bin|ich heiße|"
        r"ich heisse|mein name ist|je m'appelle|je suis|mon nom est|me llamo|mi nombre es|soy|"
        r"mi chiamo|sono)"
    )
    name = r"[A-ZÀ-Þ][a-zß-ÿ'\-]+(?:\s+(?:van|de|der|den|von|du|da|di|le|la)?\s*[A-ZÀ-Þ][a-zß-ÿ'\-]+){0,3}"
    return RegexRecognizer(rf"(?<=\b){intro}\s+{name}", 0.6)


def _presidio(class_name: str) -> Callable[[], Any]:
    """A factory for one of presidio's predefined recognisers, imported when first needed."""

    def build() -> Any:
        from presidio_analyzer import predefined_recognizers

        return getattr(predefined_recognizers, class_name)()

    return build


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@lru_cache(maxsize=1)
def builtin_recognizers() -> tuple[ValueRecognizer, ...]:
    """The built-in value recognisers (built once per process; each recogniser on first use)."""
    digits_7 = r"(?:\D*\d){7}"
    # our own pure-Python recognisers first: a column they settle never loads presidio
    return (
        ValueRecognizer(
            "NL_BSN",
            _nl_bsn,
            _compile(r"\d{4}\.?\d{2}\.?\d{3}|\d{8}"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            in_text=False,
        ),
        ValueRecognizer(
            "FR_NIR",
            _fr_nir,
            _compile(r"(?i)[1-478][\d ]{12,18}|[1-478][\d ]{5,7}2[ab][\d ]{6,10}"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            text_prefilter=_compile(r"\b[1-478]\s?\d{2}\s?\d{2}"),
        ),
        ValueRecognizer(
            "EMAIL_ADDRESS",
            _email,
            _compile(r"[^@\s]+@[^@\s]+\.[^@\s]+"),
            header_concepts=frozenset({"EMAIL_ADDRESS"}),
            validated=True,
            text_prefilter=_compile(r"@"),
        ),
        ValueRecognizer(
            "CREDIT_CARD",
            _credit_card,
            _compile(r"(?:\d[ \-]?){12,18}\d"),
            header_concepts=frozenset({"CREDIT_CARD"}),
            validated=True,
            text_prefilter=_compile(r"(?:\d[ \-]?){12,18}\d"),
        ),
        ValueRecognizer(
            "IBAN_CODE",
            _presidio("IbanRecognizer"),
            _compile(r"(?i)[a-z]{2}\d{2}[ ]?(?:[a-z0-9]{1,4}[ ]?){3,8}"),
            header_concepts=frozenset({"IBAN_CODE"}),
            validated=True,
            text_prefilter=_compile(r"(?i)\b[a-z]{2}\d{2}"),
        ),
        ValueRecognizer(
            "IP_ADDRESS",
            _presidio("IpRecognizer"),
            _compile(r"(?i)(?=[0-9a-f]*[.:])[0-9a-f:.]{7,45}(?:/\d{1,3})?"),
            header_concepts=frozenset({"IP_ADDRESS"}),
            validated=True,
            text_prefilter=_compile(r"\d+\.\d+\.\d+\.\d+|[0-9a-fA-F]{1,4}::?[0-9a-fA-F]{1,4}:"),
        ),
        ValueRecognizer(
            "MAC_ADDRESS",
            _presidio("MacAddressRecognizer"),
            _compile(r"(?i)(?:[0-9a-f]{2}[:\-]){5}[0-9a-f]{2}|(?:[0-9a-f]{4}\.){2}[0-9a-f]{4}"),
            header_concepts=frozenset({"MAC_ADDRESS"}),
            validated=True,
            text_prefilter=_compile(r"(?i)(?:[0-9a-f]{2}[:\-]){5}[0-9a-f]{2}"),
        ),
        ValueRecognizer(
            "UK_NHS",
            _presidio("NhsRecognizer"),
            _compile(r"\d{3}[ \-]?\d{3}[ \-]?\d{4}"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            in_text=False,
        ),
        ValueRecognizer(
            "UK_NINO",
            _presidio("UkNinoRecognizer"),
            _compile(r"(?i)[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d]"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            text_prefilter=_compile(r"(?i)\b[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d]\b"),
        ),
        ValueRecognizer(
            "DE_TAX_ID",
            _presidio("DeTaxIdRecognizer"),
            _compile(r"[1-9]\d{10}"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            in_text=False,
        ),
        ValueRecognizer(
            "ES_NIF",
            _presidio("EsNifRecognizer"),
            _compile(r"(?i)\d{8}-?[a-z]"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            in_text=False,
        ),
        ValueRecognizer(
            "IT_FISCAL_CODE",
            _presidio("ItFiscalCodeRecognizer"),
            _compile(r"(?i)[a-z]{6}\d{2}[a-z]\d{2}[a-z]\d{3}[a-z]"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            in_text=False,
        ),
        ValueRecognizer(
            "PL_PESEL",
            _presidio("PlPeselRecognizer"),
            _compile(r"\d{11}"),
            header_concepts=frozenset({"NATIONAL_ID"}),
            validated=True,
            in_text=False,
        ),
        ValueRecognizer(
            # bare 9-digit numbers are SSNs only when the header says so; 123-45-6789 stands alone
            "US_SSN",
            _presidio("UsSsnRecognizer"),
            _compile(r"\d{3}[- .]\d{2}[- .]\d{4}"),  # bare 9 digits score 0.05 in presidio: below min_score
            header_concepts=frozenset({"NATIONAL_ID"}),
            min_score=0.5,
            text_prefilter=_compile(r"\b\d{3}[- .]\d{2}[- .]\d{4}\b"),
        ),
        ValueRecognizer(
            "PHONE_NUMBER",
            _phone,
            _compile(rf"(?=^{digits_7})\+?[\d\s().\-/]{{7,22}}(?:\s*(?:x|ext\.?|#)\s*\d{{1,6}})?"),
            header_concepts=frozenset({"PHONE_NUMBER"}),
            text_prefilter=_compile(digits_7),
        ),
        ValueRecognizer(
            "UK_POSTCODE",
            _presidio("UkPostcodeRecognizer"),
            _compile(r"(?i)[a-z]{1,2}\d[a-z\d]? ?\d[a-z]{2}"),
            category="quasi",
            header_concepts=frozenset({"POSTCODE"}),
            in_text=False,
        ),
    )


def custom_recognizers(specs: Iterable[Any]) -> tuple[ValueRecognizer, ...]:
    """Value recognisers for the policy's ``detection.custom_recognizers`` entries."""

    def factory(spec: Any) -> Callable[[], Any]:
        def build() -> Any:
            from presidio_analyzer import Pattern, PatternRecognizer

            return PatternRecognizer(
                supported_entity=spec.entity,
                name=spec.name,
                patterns=[Pattern(p.name, p.regex, p.score) for p in spec.patterns],
                context=list(spec.context),
                supported_language="en",
            )

        return build

    return tuple(
        ValueRecognizer(
            spec.entity,
            factory(spec),
            prefilter=None,
            category=spec.category,
            header_concepts=frozenset({spec.entity}),
            context=tuple(spec.context) + tuple(spec.header_keywords),
        )
        for spec in specs
    )


def text_recognizers(recognizers: Sequence[ValueRecognizer]) -> tuple[ValueRecognizer, ...]:
    """The recognisers that are meaningful inside running text, plus self-introduced names."""
    person = ValueRecognizer(
        "PERSON",
        _person_in_text,
        None,
        text_prefilter=_compile(
            r"(?i)\b(?:name|naam|ben|heet|bin|hei|suis|appelle|llamo|soy|chiamo|sono|i am|i'm)\b"
        ),
    )
    return (*tuple(r for r in recognizers if r.in_text), person, *art9_text_recognizers())


@lru_cache(maxsize=1)
def art9_text_recognizers() -> tuple[ValueRecognizer, ...]:
    """Art. 9 vocabulary terms inside running text (diagnoses, medicines, religions, orientations)."""
    from .art9_text import TEXT_CONCEPTS, TermRecognizer

    def factory(concept: str) -> Callable[[], Any]:
        return lambda: TermRecognizer(concept)

    return tuple(
        ValueRecognizer(
            concept, factory(concept), None, category="special", header_concepts=frozenset({concept})
        )
        for concept in TEXT_CONCEPTS
    )

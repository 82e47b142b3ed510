"""Canonical forms of identifiers, so one person's value matches however it was typed.

Used for the erasure fingerprints (:mod:`jupyter_privacy.records.fingerprints`): at load time every
distinct value of a direct-identifier column is normalised before it is keyed, and a DPO's look-up value
is normalised the same way, by the same function. Tokens in masked frames are not affected (they stay the
HMAC of the value as loaded, so joins behave as they did).

Engine-neutral: Arrow arrays in, Arrow arrays out (pandas, polars and Spark's ``mapInArrow`` all speak
Arrow). The forms:

* phone numbers: E.164 (``06-61468628`` and ``+31 6 61468628`` -> ``+31661468628``). International
  forms (``+``, ``00``) need no region; national forms use the column's region, inferred from its values
  with libphonenumber (:func:`infer_phone_region`); without one, the digits alone;
* national ids, IBANs, card numbers and other codes: without separators (spaces, dots, hyphens, slashes),
  in capitals (``948 219 932`` -> ``948219932``);
* names: case-folded, inner whitespace collapsed (``Luuk  Visser`` -> ``luuk visser``);
* e-mail addresses: trimmed and lower-cased; anything else: trimmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .keys import MaskingKey
from .tokens import hmac_digests

SCHEME_VERSION = 2
"""Bumped whenever a form changes: fingerprints record it, so old ones are looked up the old way."""

PHONE = "PHONE_NUMBER"
NAMES = frozenset({"PERSON", "FIRST_NAME", "LAST_NAME"})
CODES = frozenset(
    {
        "NATIONAL_ID",
        "NL_BSN",
        "US_SSN",
        "UK_NINO",
        "UK_NHS",
        "FR_NIR",
        "PL_PESEL",
        "ES_NIF",
        "DE_TAX_ID",
        "IT_FISCAL_CODE",
        "IBAN_CODE",
        "CREDIT_CARD",
        "EMPLOYEE_ID",
        "PATIENT_ID",
        "MAC_ADDRESS",
    }
)
_SEPARATORS = r"[\s.\-/_:]+"
REGION_SAMPLE = 50
"""Distinct national-form numbers tried per region when inferring a column's region."""


def normalise(values: pa.Array, entity: str, phone_region: str | None = None) -> pa.Array:
    """The canonical form of every value (a string array; nulls stay null)."""
    text = pc.utf8_trim_whitespace(_strings(values))
    if entity == PHONE:
        return _phone(text, phone_region)
    if entity in CODES:
        return pc.utf8_upper(pc.replace_substring_regex(text, _SEPARATORS, ""))
    if entity in NAMES:
        return pc.replace_substring_regex(pc.utf8_lower(text), r"\s+", " ")
    if entity == "EMAIL_ADDRESS":
        return pc.utf8_lower(text)
    return text


def normalise_one(value: str, entity: str, phone_region: str | None = None) -> str:
    """:func:`normalise` of a single value (the look-up side)."""
    return str(normalise(pa.array([value], pa.string()), entity, phone_region)[0].as_py())


def is_international(value: str) -> bool:
    """A phone number written with its country code (``+31 ...``, ``0031 ...``): no region needed."""
    digits = value.strip().lstrip("(")
    return digits.startswith("+") or digits.startswith("00")


def infer_phone_region(values: Iterable[str], candidates: Sequence[str]) -> str | None:
    """The region (of ``candidates``, in order of preference) a column's national-form numbers belong to.

    Each region scores the column's international numbers with its country code plus the national-form
    numbers libphonenumber finds valid there (a sample of :data:`REGION_SAMPLE`). None when the column has
    no national-form number, or none fits any region.
    """
    import phonenumbers

    sample = [v for v in values if v][: REGION_SAMPLE * 4]
    national = [v for v in sample if not is_international(v)][:REGION_SAMPLE]
    if not national:
        return None
    codes: dict[int, int] = {}
    international = [v for v in sample if is_international(v)]
    for e164 in _phone(pa.array(international, pa.string()), None).to_pylist() if international else []:
        try:
            code = phonenumbers.parse(e164).country_code
        except phonenumbers.NumberParseException:
            continue
        if code is not None:
            codes[code] = codes.get(code, 0) + 1
    best, best_score = None, 0
    for region in candidates:
        score = codes.get(phonenumbers.country_code_for_region(region), 0)
        for v in national:
            try:
                score += phonenumbers.is_valid_number(phonenumbers.parse(v, region))
            except phonenumbers.NumberParseException:
                continue
        if score > best_score:
            best, best_score = region, score
    return best


def _strings(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.large_string())
    return arr


def _phone(text: pa.Array, region: str | None) -> pa.Array:
    """E.164 where the form allows it; the digits otherwise (see the module docstring)."""
    plus = pc.starts_with(text, "+")
    # one pass: drop everything but digits, and the "(0)" of "+31 (0)6 ..." (the written trunk 0)
    digits = pc.replace_substring_regex(text, r"[^0-9(]*\(0\)|[^0-9]+", "")
    international = pc.starts_with(digits, "00")
    after_00 = pc.utf8_slice_codeunits(digits, 2)
    national = _national_to_e164(digits, region)
    out = pc.if_else(plus, _prefix("+", digits), pc.if_else(international, _prefix("+", after_00), national))
    return out.cast(text.type)


def _national_to_e164(digits: pa.Array, region: str | None) -> pa.Array:
    if region is None:
        return digits
    from phonenumbers import PhoneMetadata, country_code_for_region

    metadata = PhoneMetadata.metadata_for_region(region)
    code = country_code_for_region(region)
    if metadata is None or not code:
        return digits
    trunk = metadata.national_prefix or ""
    if trunk:
        digits = pc.if_else(
            pc.starts_with(digits, trunk), pc.utf8_slice_codeunits(digits, len(trunk)), digits
        )
    return _prefix(f"+{code}", digits)


def _prefix(prefix: str, values: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(pa.scalar(prefix, values.type), values, pa.scalar("", values.type))


def keyed_as_loaded(entity: str) -> bool:
    """True when the normalised form of ``entity`` is the text its masking tokens are keyed on (trimmed,
    e-mail addresses lower-cased): the tokens' digests are then the fingerprints' digests."""
    return entity not in CODES and entity not in NAMES and entity != PHONE


@dataclass(frozen=True)
class ErasureDigests:
    """The keyed 64-bit digests of a column's normalised distinct values, and the phone region used."""

    digests: np.ndarray
    region: str | None = None


def erasure_digests(
    distinct: pa.Array,
    entity: str,
    key: MaskingKey,
    regions: Sequence[str],
    token_digests: np.ndarray | None = None,
) -> ErasureDigests:
    """Digests for the erasure fingerprints of a column's distinct non-null values.

    ``token_digests`` (the masking step's digests of the same values) are reused when normalising changes
    nothing for the entity; phone numbers in national form are read in the region (of ``regions``) where
    most of the column's numbers are valid.
    """
    if token_digests is not None and keyed_as_loaded(entity):
        return ErasureDigests(token_digests)
    if len(distinct) == 0:
        return ErasureDigests(np.zeros(0, dtype=np.uint64))
    region = (
        infer_phone_region(distinct.slice(0, REGION_SAMPLE * 4).to_pylist(), regions)
        if entity == PHONE
        else None
    )
    canonical = pc.unique(normalise(distinct, entity, region))
    return ErasureDigests(hmac_digests(canonical, key), region)

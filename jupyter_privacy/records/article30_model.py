"""A typed model of the Art. 30 record (pydantic), field for field what :func:`.article30.build_record`
returns, plus what ``export`` adds (``purposes[].processed_by``, ``verification.witness``).

Every object forbids unknown fields, so a field added to the record without being added here (and to the
shipped JSON Schema, ``schema/article30.schema.json``, which the tests check against this model) fails the
tests. :func:`validate_record` checks a record; :func:`record_json_schema` is the JSON Schema generated
from the model.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


class Generator(_Strict):
    name: str
    version: str


class Party(_Strict):
    name: str
    contact: str
    address: str | None
    representative: str | None


class PolicyInfo(_Strict):
    source: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    default: bool
    enforcement: str
    hashes_in_log: list[str]
    matches_log: bool


class ChainProblem(_Strict):
    kind: str
    seq: int | None
    message: str


class Chain(_Strict):
    notebook: str
    ok: bool
    records_checked: int
    head_seq: int | None
    head_hash: str | None
    problem: ChainProblem | None
    records_included: int | None = None  # of this chain's records, those this record covers


class WitnessFinding(_Strict):
    notebook: str
    kind: str
    seq: int | None
    message: str
    unsigned: int


class Verification(_Strict):
    ok: bool
    problem: str | None
    chains: list[Chain]
    witness: list[WitnessFinding] | None = None


class Where(_Strict):
    """Where a logged event happened (its record's cell fields)."""

    notebook: str
    seq: int
    ts: str
    cell_id: str | None
    execution_count: int | None
    code_sha256: str | None
    user: str | None
    server: str | None


class Declaration(Where):
    lawful_basis: str | None
    reference: str | None
    art9_condition: str | None


class LawfulBasis(_Strict):
    basis: str | None
    dpv: str | None
    article: str | None
    reference: str | None


class PurposeSpecial(_Strict):
    allowed: list[str]
    art9_condition: str | None
    article: str | None


class Grant(_Strict):
    user: str | None
    dataset: str | None
    columns: list[str | None] | None
    ts: str | None


class ProcessedBy(_Strict):
    declared_by: list[str]
    unmasked: list[Grant]


class Purpose(_Strict):
    id: str
    description: str | None
    in_policy: bool
    lawful_bases: list[LawfulBasis]
    data_subjects: list[str]
    recipients: list[str]
    retention: str | None
    special_categories: PurposeSpecial | None
    declarations: list[Declaration]
    processed_by: ProcessedBy | None = None


class Category(_Strict):
    entity: str
    category: str
    dpv: str | None
    datasets: list[str]
    columns: list[str]


class Art9Condition(_Strict):
    condition: str
    article: str | None


class SpecialCategory(_Strict):
    category: str
    dpv: str | None
    datasets: list[str]
    columns: list[str]
    art9_conditions: list[Art9Condition]
    processed_raw: bool


class Output(Where):
    path: str | None
    sha256: str | None
    kind: str | None
    via: str | None
    datasets: list[str]
    columns: list[str] | None
    raw_columns: list[str]


class Model(Where):
    model_class: str | None
    variable: str | None
    datasets: list[str]
    columns: list[Any]
    rows: int | None


class Retention(_Strict):
    purpose: str
    retention: str | None


class Measure(_Strict):
    dataset: str
    column: str | None
    category: str | None
    entities: list[str]
    strategy: str | None
    detail: str | None


class Correction(Where):
    dataset: str | None
    column: str | None
    from_: dict[str, Any] | None = Field(alias="from")
    to: dict[str, Any]
    strategy: str | None


class TechnicalMeasures(_Strict):
    masking: list[Measure]
    strategies: dict[str, int]
    key_ids: list[str]
    enforcement: str
    processing_log: str
    erasure_fingerprints: int
    corrections: list[Correction]
    note: str


class PersonalColumn(_Strict):
    column: str | None
    category: str | None
    entities: list[str]


class DatasetLoad(_Strict):
    dataset: str
    source: str | None
    content_sha256: str | None
    shape: list[int] | None
    variable: str | None
    loaded_at: str
    cell: Where
    personal_data_columns: list[PersonalColumn]
    fingerprint_sha256: str | None
    record_hash: str


class CellEvent(_Strict):
    seq: int
    event: str


class CellEntry(_Strict):
    notebook: str
    user: str | None = None
    cell_id: str | None
    execution_count: int | None
    code_sha256: str | None
    events: list[CellEvent]


class UnmaskDecision(Where):
    decision: Literal["granted", "denied"]
    dataset: str | None
    columns: list[str | None]
    purpose: str | None
    lawful_basis: str | None
    reference: str | None
    art9_condition: str | None
    enforcement: str | None
    reason: str | None


class Export(Where):
    format: str | None
    head: Any


class UngovernedRead(Where):
    path: str | None
    datasets: list[str] | None
    via: str | None
    count: int | None


class Evidence(_Strict):
    datasets: list[DatasetLoad]
    cells: list[CellEntry]
    unmask: list[UnmaskDecision]
    outputs: list[Output]
    models: list[Model]
    exports: list[Export]
    ungoverned_reads: list[UngovernedRead]


class LogRecord(_Strict):
    """A processing-log record as stored (the kernel export's appendix); format-1 records lack the
    identity fields."""

    seq: int
    ts: str
    notebook: str
    kernel_id: str | None
    cell_id: str | None
    execution_count: int | None
    code_sha256: str | None
    event: str
    payload: dict[str, Any]
    policy_sha256: str
    prev_hash: str
    hash: str
    user: str | None = None
    server: str | None = None
    record_version: int | None = None


class DpvContext(_Strict):
    dpv: Literal["https://w3id.org/dpv#"]
    pd: Literal["https://w3id.org/dpv/pd#"]


class Article30Record(_Strict):
    """The whole record (see docs/dpo-guide.md for what each part means)."""

    schema_: str = Field(alias="$schema")
    schema_version: Literal[1]
    context: DpvContext = Field(alias="@context")
    generated_at: str
    generator: Generator
    notebooks: list[str]
    processing_recorded: bool
    controller: Party | None
    dpo: Party | None
    policy: PolicyInfo
    verification: Verification
    purposes: list[Purpose]
    data_subjects: list[str]
    personal_data_categories: list[Category]
    special_categories: list[SpecialCategory]
    recipients: list[str]
    outputs: list[Output]
    models: list[Model]
    retention: list[Retention]
    technical_measures: TechnicalMeasures
    evidence: Evidence
    records: list[LogRecord] | None = None


def validate_record(record: dict[str, Any]) -> Article30Record:
    """The typed record; raises ``pydantic.ValidationError`` naming every field that does not fit."""
    return Article30Record.model_validate(record)


def record_json_schema() -> dict[str, Any]:
    """The JSON Schema generated from the typed model (by field alias, as the record's JSON spells it)."""
    return Article30Record.model_json_schema(by_alias=True)

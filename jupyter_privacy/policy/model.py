"""Typed model of the admin policy file (``privacy_policy.yaml``).

Why pydantic and not traitlets: the policy is a *nested document* (purposes holding reference rules,
unmask rules and Art. 9 conditions; custom recognisers holding patterns). Pydantic validates such a tree in
one pass and reports every problem with its exact location (``purposes[1].reference.pattern``), which is
what an admin needs to fix a file. Traitlets suit flat application configuration (``c.App.trait = ...``)
and stop at the first bad value; the server and kernel extensions keep traitlets for their own settings.

Every model forbids unknown keys (``extra="forbid"``), so a misspelt field is an error instead of being
silently ignored -- a silently ignored ``unmask`` typo would change who sees raw personal data.

Custom validation errors carry two context entries the loader understands: ``hint`` (what to do) and
``subpath`` (a location below the validated object, e.g. ``[2].id``), so messages point at the exact field.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

LawfulBasis = Literal[
    "consent", "contract", "legal_obligation", "vital_interests", "public_task", "legitimate_interest"
]
"""GDPR Art. 6(1)(a)-(f)."""

Category = Literal["direct", "quasi", "special"]
"""Finding categories that masking and unmasking rules refer to (``none`` is never masked)."""

SpecialCategory = Literal[
    "HEALTH",
    "RELIGION",
    "ETHNICITY",
    "SEXUAL_ORIENTATION",
    "POLITICAL_OPINION",
    "TRADE_UNION",
    "BIOMETRIC",
    "GENETIC",
]
"""GDPR Art. 9(1) special categories, spelt as the entity names the detector reports."""

SPECIAL_CATEGORIES: tuple[SpecialCategory, ...] = get_args(SpecialCategory)

Art9Condition = Literal[
    "explicit_consent",
    "employment_social_security",
    "vital_interests",
    "not_for_profit_body",
    "made_public_by_subject",
    "legal_claims",
    "substantial_public_interest",
    "health_or_social_care",
    "public_health",
    "archiving_research_statistics",
]
"""GDPR Art. 9(2)(a)-(j)."""

MaskStrategy = Literal["pseudonymise", "redact", "generalise", "keep"]

Reader = Literal[
    "read_csv",
    "read_table",
    "read_fwf",
    "read_parquet",
    "read_json",
    "read_excel",
    "read_sql",
    "read_sql_query",
    "read_sql_table",
]
ALL_READERS: tuple[Reader, ...] = get_args(Reader)

NonEmptyStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
EntityName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]


def _compile_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        raise PydanticCustomError(
            "invalid_regex",
            "invalid regular expression {regex}: {error}{where}",
            {
                "regex": repr(value),
                "error": exc.msg,
                "where": where,
                "hint": "fix the regular expression (Python `re` syntax); in YAML, single-quote it so "
                "backslashes stay literal, e.g. '^LIA-\\d{4}$'",
            },
        ) from None
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Party(_Strict):
    """A controller, DPO or representative as it appears in the Art. 30 record."""

    name: NonEmptyStr
    contact: NonEmptyStr = Field(description="E-mail address or postal address.")
    address: str | None = None
    representative: str | None = None


class ReferenceRule(_Strict):
    """What a purpose declaration's reference (LIA, consent record, ethics approval ...) must look like.

    A reference is accepted when it satisfies every rule given: it fully matches ``pattern`` (if set) and
    is one of ``registry`` (if set).
    """

    pattern: str | None = None
    registry: list[NonEmptyStr] | None = None
    description: str | None = None

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        return None if value is None else _compile_regex(value)

    @model_validator(mode="after")
    def _one_rule(self) -> ReferenceRule:
        if self.pattern is None and not self.registry:
            raise PydanticCustomError(
                "reference_rule_empty",
                "a reference rule needs a `pattern` or a non-empty `registry`",
                {
                    "hint": "add `pattern: '^LIA-\\d{4}-\\d{3}$'` or `registry: [DOC-1, DOC-2]`, "
                    "or remove `reference` if this purpose needs no document reference"
                },
            )
        if self.pattern is not None and self.registry:
            for i, doc in enumerate(self.registry):
                if re.fullmatch(self.pattern, doc, flags=re.ASCII) is None:
                    raise PydanticCustomError(
                        "registry_pattern_mismatch",
                        "registry entry {doc} does not match the reference pattern {pattern}",
                        {
                            "doc": repr(doc),
                            "pattern": repr(self.pattern),
                            "subpath": f".registry[{i}]",
                            "hint": "correct the entry or the pattern: a reference must satisfy both",
                        },
                    )
        return self

    def accepts(self, reference: str) -> bool:
        """True if ``reference`` satisfies every rule given (full pattern match, registry membership).

        The pattern is matched in ASCII mode: ``\\d`` and ``\\w`` accept ASCII digits and letters only, not
        e.g. Arabic-Indic digits that look different in the register than what was typed.
        """
        if self.pattern is not None and re.fullmatch(self.pattern, reference, flags=re.ASCII) is None:
            return False
        return not (self.registry and reference not in self.registry)


class UnmaskRule(_Strict):
    """Which findings a purpose may see raw: by entity type and/or by whole category."""

    entities: list[NonEmptyStr] = []
    categories: list[Category] = []


class SpecialCategoryRule(_Strict):
    """Art. 9 special categories a purpose may process, and the Art. 9(2) condition relied on."""

    allowed: Annotated[list[SpecialCategory], Field(min_length=1)]
    art9_condition: Art9Condition


class Purpose(_Strict):
    """A processing purpose users declare before they get raw values."""

    id: Slug
    description: NonEmptyStr
    lawful_bases: Annotated[list[LawfulBasis], Field(min_length=1)]
    reference: ReferenceRule | None = None
    unmask: UnmaskRule = UnmaskRule()
    special_categories: SpecialCategoryRule | None = None
    retention: NonEmptyStr = Field(description="Free text or an ISO 8601 duration such as P2Y.")
    data_subjects: list[str] = []
    recipients: list[str] = []
    keep_raw_outputs: bool = Field(
        False,
        description="Keep outputs that show values unmasked under this purpose in saved notebooks "
        "(default: the save hook replaces them with a placeholder naming the grant).",
    )

    @model_validator(mode="after")
    def _special_needs_condition(self) -> Purpose:
        if "special" in self.unmask.categories and self.special_categories is None:
            raise PydanticCustomError(
                "special_without_condition",
                "unmask.categories includes `special` but the purpose has no `special_categories`",
                {
                    "subpath": ".special_categories",
                    "hint": "add `special_categories: {allowed: [HEALTH], art9_condition: explicit_consent}` "
                    "(the Art. 9 categories and the Art. 9(2) condition), or remove `special` from "
                    "unmask.categories",
                },
            )
        allowed = set(self.special_categories.allowed) if self.special_categories else set()
        for i, entity in enumerate(self.unmask.entities):
            if entity in SPECIAL_CATEGORIES and entity not in allowed:
                raise PydanticCustomError(
                    "special_entity_not_allowed",
                    "unmask.entities lists the special category {entity} but special_categories.allowed "
                    "does not",
                    {
                        "entity": entity,
                        "subpath": f".unmask.entities[{i}]",
                        "hint": f"add {entity} to special_categories.allowed (with its Art. 9(2) condition) "
                        "or remove it from unmask.entities",
                    },
                )
        return self

    def may_unmask(self, entity: str, category: str, special_category: str | None = None) -> bool:
        """Whether this purpose allows raw access to a finding of ``entity`` in ``category``.

        Special-category findings additionally need their Art. 9 category (``special_category``, or the
        entity name itself such as ``HEALTH``) in ``special_categories.allowed``.
        """
        listed = entity in self.unmask.entities or category in self.unmask.categories
        if category != "special":
            return listed
        art9 = special_category or entity
        return listed and self.special_categories is not None and art9 in self.special_categories.allowed


class PatternSpec(_Strict):
    name: NonEmptyStr
    regex: str
    score: Annotated[float, Field(ge=0.0, le=1.0)]

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, value: str) -> str:
        return _compile_regex(value)


class CustomRecognizer(_Strict):
    """An organisation-specific identifier (employee number, patient number ...) found by regex."""

    name: NonEmptyStr
    entity: EntityName
    category: Category = "direct"
    special_category: SpecialCategory | None = None
    patterns: Annotated[list[PatternSpec], Field(min_length=1)]
    context: list[str] = Field(default=[], description="Words that raise confidence in the column name.")
    header_keywords: list[str] = []

    @model_validator(mode="after")
    def _special_category_iff_special(self) -> CustomRecognizer:
        if self.category == "special" and self.special_category is None:
            raise PydanticCustomError(
                "special_category_missing",
                "a recogniser with category `special` needs `special_category`",
                {
                    "subpath": ".special_category",
                    "hint": "add e.g. `special_category: HEALTH`, or use category `direct`/`quasi`",
                },
            )
        if self.category != "special" and self.special_category is not None:
            raise PydanticCustomError(
                "special_category_unexpected",
                "`special_category` is only allowed when category is `special` (here: {category})",
                {
                    "category": self.category,
                    "subpath": ".special_category",
                    "hint": "set `category: special` or remove `special_category`",
                },
            )
        return self


class DetectionSettings(_Strict):
    sample_rows: Annotated[int, Field(ge=10)] = 1000
    max_distinct: Annotated[int, Field(ge=10)] = 300
    min_coverage: Annotated[float, Field(gt=0.0, le=1.0)] = 0.7
    """Share of sampled values that must match for a column to be classified from its values alone."""
    context_min_coverage: Annotated[float, Field(gt=0.0, le=1.0)] = 0.3
    """Share needed when the column name supports the entity."""
    free_text_min_share: Annotated[float, Field(gt=0.0, le=1.0)] = 0.01
    ner_model: NonEmptyStr = "auto"
    """``auto``: an installed spaCy English model if any; ``none``: never; else a spaCy model name."""
    languages: Annotated[list[NonEmptyStr], Field(min_length=1)] = ["en", "nl", "de", "fr"]
    custom_recognizers: list[CustomRecognizer] = []
    ignore_columns: list[str] = []

    @field_validator("custom_recognizers")
    @classmethod
    def _unique_names(cls, value: list[CustomRecognizer]) -> list[CustomRecognizer]:
        seen: dict[str, int] = {}
        for i, rec in enumerate(value):
            if rec.name in seen:
                raise PydanticCustomError(
                    "duplicate_name",
                    "recogniser name {name} is used twice (first at custom_recognizers[{first}])",
                    {
                        "name": repr(rec.name),
                        "first": seen[rec.name],
                        "subpath": f"[{i}].name",
                        "hint": "give each custom recogniser a unique name",
                    },
                )
            seen[rec.name] = i
        return value


class MaskRule(_Strict):
    strategy: MaskStrategy
    keep_prefix: Annotated[int, Field(ge=0)] | None = None
    granularity: Literal["year", "month", "decade"] | None = None

    @model_validator(mode="after")
    def _options_need_generalise(self) -> MaskRule:
        if self.strategy != "generalise":
            for option in ("keep_prefix", "granularity"):
                if getattr(self, option) is not None:
                    raise PydanticCustomError(
                        "option_needs_generalise",
                        "`{option}` only applies to strategy `generalise` (here: {strategy})",
                        {
                            "option": option,
                            "strategy": self.strategy,
                            "subpath": f".{option}",
                            "hint": f"set `strategy: generalise` or remove `{option}`",
                        },
                    )
        return self


DEFAULT_CATEGORY_RULES: dict[Category, MaskRule] = {
    "direct": MaskRule(strategy="pseudonymise"),
    "quasi": MaskRule(strategy="generalise"),
    "special": MaskRule(strategy="redact"),
}


class MaskingSettings(_Strict):
    """How findings are masked: per entity type, else per category, else ``default``.

    Categories missing from ``categories`` keep their built-in rule (direct -> pseudonymise, quasi ->
    generalise, special -> redact), so overriding one category never weakens another.
    """

    default: MaskStrategy = "pseudonymise"
    entities: dict[EntityName, MaskRule] = {}
    categories: dict[Category, MaskRule] = Field(default_factory=lambda: dict(DEFAULT_CATEGORY_RULES))

    @field_validator("categories")
    @classmethod
    def _fill_categories(cls, value: dict[Category, MaskRule]) -> dict[Category, MaskRule]:
        return {**DEFAULT_CATEGORY_RULES, **value}

    def rule_for(self, entity: str | None, category: str | None) -> MaskRule:
        """The rule for a finding: entity override, then category rule, then ``default``."""
        if entity is not None and entity in self.entities:
            return self.entities[entity]
        if category is not None and category in self.categories:
            return self.categories[category]
        return MaskRule(strategy=self.default)


class InterceptionSettings(_Strict):
    """Whether plain ``pd.read_*`` calls in a kernel go through the masked-load path."""

    enabled: bool = False
    readers: list[Reader] = Field(default_factory=lambda: list(ALL_READERS))


class OpenLineageSettings(_Strict):
    """Emit OpenLineage run events (spec 2-0-2) live from kernels, after each cell that loaded data,
    wrote files or trained models. ``jupyter-privacy lineage`` builds the same events from the log."""

    enabled: bool = False
    # file/http: that transport of the openlineage-python client; client: the client's own configuration
    # (openlineage.yml, OPENLINEAGE_URL, OPENLINEAGE__TRANSPORT__*), e.g. kafka
    transport: Literal["file", "http", "client"] = "file"
    file: NonEmptyStr = "~/.local/share/jupyter-privacy/openlineage.jsonl"
    url: str | None = None
    namespace: NonEmptyStr = "jupyter-privacy"

    @model_validator(mode="after")
    def _url_for_http(self) -> OpenLineageSettings:
        if self.transport == "http" and not self.url:
            raise PydanticCustomError(
                "openlineage_url_missing",
                "transport is `http` but no `url` is given",
                {
                    "subpath": ".url",
                    "hint": "add `url: http://marquez:5000` (the /api/v1/lineage path is added)",
                },
            )
        return self

    def resolved_file(self) -> Path:
        return _expand(self.file)


class KernelSettings(_Strict):
    """How kernels take part. ``autoload``: the extension starts in every kernel whose IPython config
    lists ``jupyter_privacy.kernel.autoload`` (installed by the admin; see docs/admin-guide.md)."""

    autoload: bool = False


def _expand(path: str) -> Path:
    return Path(os.path.expanduser(os.path.expandvars(path)))


class ModelSettings(_Strict):
    """What happens when a model is used under a purpose other than the one it was trained under."""

    other_purpose: Literal["record", "refuse"] = "record"
    """record: log ``model_used`` and go on; refuse: log it and raise instead of loading or predicting."""


class LogSettings(_Strict):
    """Where the processing log lives: a SQLite file (one user) or a PostgreSQL database (teams)."""

    store: Literal["sqlite", "postgresql"] = "sqlite"
    path: NonEmptyStr = "~/.local/share/jupyter-privacy/ledger.sqlite3"
    # postgresql: the *name* of the environment variable holding the connection string (never the DSN)
    dsn_env: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] = (
        "JUPYTER_PRIVACY_LOG_DSN"
    )
    # signed checkpoints (jupyter-privacy witness): where they are kept, and the key that verifies them
    checkpoints: str | None = None
    witness_public_key: str | None = None

    def resolved_path(self) -> Path:
        """``path`` with ``~`` and ``$VARS`` expanded (done at use time, not at validation)."""
        return _expand(self.path)


class KeySettings(_Strict):
    """Where the masking key comes from. The policy names a source; it never holds key material."""

    source: Literal["env", "file"] = "env"
    env_var: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] = "JUPYTER_PRIVACY_KEY"
    file: str | None = None

    @model_validator(mode="after")
    def _file_when_file_source(self) -> KeySettings:
        if self.source == "file" and not self.file:
            raise PydanticCustomError(
                "key_file_missing",
                "key source is `file` but no `file` is given",
                {
                    "subpath": ".file",
                    "hint": "add `file: /etc/jupyter/privacy.key` (readable by the kernel, not by notebooks' "
                    "output), or use `source: env`",
                },
            )
        return self

    def resolved_file(self) -> Path | None:
        """``file`` with ``~`` and ``$VARS`` expanded, or None for the env source."""
        return _expand(self.file) if self.file else None


class Policy(_Strict):
    """The whole admin policy. See docs/admin-guide.md for the field-by-field reference."""

    version: Literal[1]
    controller: Party
    dpo: Party | None = None
    enforcement: Literal["enforce", "warn"] = "warn"
    purposes: list[Purpose] = []
    detection: DetectionSettings = DetectionSettings()
    masking: MaskingSettings = MaskingSettings()
    interception: InterceptionSettings = InterceptionSettings()
    kernel: KernelSettings = KernelSettings()
    openlineage: OpenLineageSettings = OpenLineageSettings()
    models: ModelSettings = ModelSettings()
    log: LogSettings = LogSettings()
    key: KeySettings = KeySettings()

    @field_validator("purposes")
    @classmethod
    def _unique_ids(cls, value: list[Purpose]) -> list[Purpose]:
        seen: dict[str, int] = {}
        for i, purpose in enumerate(value):
            if purpose.id in seen:
                raise PydanticCustomError(
                    "duplicate_id",
                    "purpose id {id} is used twice (first at purposes[{first}])",
                    {
                        "id": repr(purpose.id),
                        "first": seen[purpose.id],
                        "subpath": f"[{i}].id",
                        "hint": "purpose ids must be unique: rename or merge one of them",
                    },
                )
            seen[purpose.id] = i
        return value

    def purpose(self, purpose_id: str) -> Purpose | None:
        """The purpose with this id, or None."""
        return next((p for p in self.purposes if p.id == purpose_id), None)


def policy_to_json(policy: Policy) -> dict[str, Any]:
    """A JSON-ready dict of the policy (it holds no key material: only the key's source)."""
    return policy.model_dump(mode="json")

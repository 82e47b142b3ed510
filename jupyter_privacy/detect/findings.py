"""Scan results: what was found in each column, without any raw cell value."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CATEGORIES = ("direct", "special", "quasi", "none")
# what decided a finding: a header word, a value vocabulary, a value recogniser, the name lists, the
# column in the context of its table (Art. 9 flags, measurements), free text, NER, value shapes
# (gender codes, postcode formats, birth dates), or a recogniser that failed (fail closed)
RULES = (
    "header",
    "vocabulary",
    "recognizer",
    "name-list",
    "context",
    "free-text",
    "ner",
    "value-shape",
    "fail-closed",
)


@dataclass
class TableVerdict:
    """Whose rows these are: ``people`` (respondents, patients, customers), ``things`` (countries,
    products, animals, aggregates) or ``unknown``, with the evidence in ``reasons``."""

    subjects: str = "unknown"
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ColumnFinding:
    """The classification of one column.

    ``coverage`` is the share of sampled non-null rows whose value matched the entity, or ``None``
    when the decision rests on the column name alone. ``rule`` names the rule that decided (see
    :data:`RULES`); ``reasons`` say why -- the header word, vocabulary or recogniser -- in words that
    never include a cell value.
    """

    name: str
    dtype: str
    category: str = "none"
    entities: list[str] = field(default_factory=list)
    score: float = 0.0
    coverage: float | None = None
    special_category: str | None = None
    reasons: list[str] = field(default_factory=list)
    free_text: bool = False  # personal data sits inside running text (masked span by span)
    rule: str | None = None  # which rule decided (one of RULES); None when nothing flagged it

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.special_category is None:
            del out["special_category"]
        if not self.free_text:
            del out["free_text"]
        return out

    @property
    def flagged(self) -> bool:
        return self.category != "none"


@dataclass
class Reidentification:
    """Re-identification risk of the whole frame on its detected quasi-identifiers."""

    quasi_identifiers: list[str]
    rows: int
    unique_rows: int
    unique_share: float
    k: int | None  # k-anonymity: size of the smallest group of rows sharing the same QI values

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ScanResult:
    """The scan of one DataFrame."""

    source: str | None
    rows: int
    sampled_rows: int
    columns: list[ColumnFinding]
    reidentification: Reidentification | None = None
    policy: dict[str, Any] | None = None
    ner_model: str | None = None
    table: TableVerdict = field(default_factory=TableVerdict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "rows": self.rows,
            "sampled_rows": self.sampled_rows,
            "columns": [c.to_dict() for c in self.columns],
            "reidentification": self.reidentification.to_dict() if self.reidentification else None,
            "ner_model": self.ner_model,
            "table": self.table.to_dict(),
        }
        if self.policy is not None:
            out["policy"] = self.policy
        return out

    def flagged(self) -> list[ColumnFinding]:
        return [c for c in self.columns if c.flagged]

    def __getitem__(self, name: object) -> ColumnFinding:
        for c in self.columns:
            if c.name == str(name):
                return c
        raise KeyError(name)

    def to_table(self) -> str:
        """A plain-text table for people (CLI ``--format table`` and notebook text fallback)."""
        head = ("column", "dtype", "category", "entities", "score", "coverage", "rule", "why")
        rows = [
            (
                c.name,
                c.dtype,
                c.category if not c.special_category else f"special ({c.special_category})",
                ", ".join(c.entities) or "-",
                f"{c.score:.2f}" if c.flagged else "-",
                "-" if c.coverage is None else f"{c.coverage:.0%}",
                c.rule or "-",
                "; ".join(c.reasons) if c.flagged else "-",
            )
            for c in self.columns
        ]
        limits = [40] * (len(head) - 1) + [120]  # the reasons get room: they say why
        widths = [min(lim, max(len(str(r[i])) for r in [head, *rows])) for i, lim in enumerate(limits)]

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(str(v)[:w].ljust(w) for v, w in zip(cells, widths, strict=True)).rstrip()

        lines = []
        if self.source:
            lines.append(f"source: {self.source}")
        lines.append(f"rows: {self.rows}  sampled: {self.sampled_rows}")
        lines.append(
            f"rows describe: {self.table.subjects} ({'; '.join(self.table.reasons) or 'no evidence'})"
        )
        if self.policy is not None:
            note = " (built-in default policy)" if self.policy.get("default") else ""
            lines.append(f"policy: {self.policy.get('source')}{note}")
        lines += ["", line(head), line(tuple("-" * w for w in widths)), *(line(r) for r in rows)]
        flagged = self.flagged()
        lines.append("")
        lines.append(
            f"{len(flagged)} of {len(self.columns)} columns hold personal data"
            + (f": {sum(c.category == 'special' for c in flagged)} special category" if flagged else "")
        )
        reid = self.reidentification
        if reid is not None:
            lines.append(
                f"re-identification: {reid.unique_share:.1%} of rows unique on "
                f"{', '.join(reid.quasi_identifiers)} (k = {reid.k})"
            )
        return "\n".join(lines)

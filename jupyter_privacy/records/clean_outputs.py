"""Take raw personal-data values out of a notebook's outputs before it is written to disk.

An output (of a cell, or kept in the saved state of a widget) is removed (replaced by a one-line
placeholder naming the grant) when

- the kernel marked it: its output metadata carries ``{"jupyter_privacy": {"grants": [...]}}``
  (displays of unmasked frames, see :mod:`jupyter_privacy.kernel.raw_outputs`), or
- its text holds a raw value handed out by a grant: found through the grants' keyed fingerprints
  (streams from ``print``, error messages, HTML, JSON), which needs the masking key,

unless every grant involved belongs to a purpose whose policy entry says ``keep_raw_outputs: true``.
Images and other binary outputs cannot be searched; they are removed only when marked.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..mask.keys import MaskingKey
from ..mask.raw_index import Fingerprinter, indexes_in
from .raw_grants import GrantFingerprints

MARK_KEY = "jupyter_privacy"
"""Output-metadata key under which the kernel names the grants whose raw values an output shows."""
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass(frozen=True)
class Removal:
    """One output that was replaced: where, which grants, and how it was recognised."""

    cell: int
    cell_id: str | None
    output: int
    grants: tuple[str, ...]
    marked: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "cell": self.cell,
            "cell_id": self.cell_id,
            "output": self.output,
            "grants": list(self.grants),
            "marked": self.marked,
        }


def marked_grants(output: dict[str, Any]) -> list[str]:
    """The grants the kernel named in an output's metadata."""
    mark = (output.get("metadata") or {}).get(MARK_KEY)
    if not isinstance(mark, dict):
        return []
    return [str(g) for g in mark.get("grants", []) if isinstance(g, str)]


def output_text(output: dict[str, Any]) -> str:
    """Everything readable in an output (streams, text/HTML/JSON bundles, errors), HTML-unescaped."""
    parts: list[str] = []
    kind = output.get("output_type")
    if kind == "stream":
        parts.append(_joined(output.get("text", "")))
    elif kind == "error":
        parts += [str(output.get("ename", "")), str(output.get("evalue", ""))]
        parts += [_joined(line) for line in output.get("traceback", [])]
    for mime, value in (output.get("data") or {}).items():
        if mime.startswith("image/") and mime != "image/svg+xml":
            continue
        parts.append(
            _joined(value) if isinstance(value, str | list) else json.dumps(value, ensure_ascii=False)
        )
    return html.unescape(_ANSI.sub(" ", "\n".join(parts)))


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def placeholder(output: dict[str, Any], grants: Iterable[GrantFingerprints | str]) -> dict[str, Any]:
    """The output that replaces a removed one (same type where nbformat allows it)."""
    named = [
        f"{g.grant} (purpose {g.purpose})" if isinstance(g, GrantFingerprints) else f"{g}" for g in grants
    ]
    text = (
        f"[jupyter-privacy] output not saved: it showed raw values unmasked under grant "
        f"{', '.join(named)}. Re-run the cell to see it."
    )
    mark = {MARK_KEY: {"removed": [g.grant if isinstance(g, GrantFingerprints) else g for g in grants]}}
    kind = output.get("output_type")
    if kind == "stream":
        return {"output_type": "stream", "name": output.get("name", "stdout"), "text": text + "\n"}
    if kind == "error":
        return {
            "output_type": "error",
            "ename": output.get("ename", "Error"),
            "evalue": text,
            "traceback": [text],
        }
    new: dict[str, Any] = {"output_type": kind, "data": {"text/plain": text}, "metadata": mark}
    if kind == "execute_result":
        new["execution_count"] = output.get("execution_count")
    return new


class OutputCleaner:
    """Finds and replaces outputs with raw values; one instance per save."""

    def __init__(
        self, grants: list[GrantFingerprints], key: MaskingKey | None, keep_purposes: Iterable[str] = ()
    ) -> None:
        self.grants = {g.grant: g for g in grants}
        self.keep = set(keep_purposes)
        # fingerprints only compare under the key they were made with
        usable = {g.grant: g.index for g in grants if key is not None and g.key_id == key.key_id}
        self.indexes = usable
        self.fp = Fingerprinter(key) if key is not None else None

    def _kept(self, grant_ids: set[str]) -> bool:
        return all(g in self.grants and self.grants[g].purpose in self.keep for g in grant_ids)

    def clean(self, nb: dict[str, Any]) -> list[Removal]:
        """Replace, in place, the outputs of ``nb`` (an nbformat-4 dict) that show raw values, also those
        kept in its saved widget state (:meth:`clean_widgets`)."""
        removals: list[Removal] = []
        for ci, cell in enumerate(nb.get("cells", [])):
            outputs = cell.get("outputs")
            if isinstance(outputs, list):
                removals += self._clean_outputs(outputs, ci, cell.get("id"))
        return removals + self.clean_widgets(nb)

    def clean_widgets(self, nb: dict[str, Any]) -> list[Removal]:
        """The widget state JupyterLab saves in the notebook's metadata holds what widgets showed: the
        outputs an ``ipywidgets.Output`` captured (cleaned as a cell's) and each model's other fields
        (an ``HTML`` widget's value ...), replaced by the placeholder's text when they hold a raw value.
        Such a widget may then not be restored when the notebook is opened again."""
        removals: list[Removal] = []
        for model_id, fields in _widget_states(nb):
            where = f"widget {model_id}"
            if isinstance(fields.get("outputs"), list):
                removals += self._clean_outputs(fields["outputs"], -1, where)
            for name, value in list(fields.items()):
                if name == "outputs" or not self.fp:
                    continue
                found = indexes_in(_field_text(value), self.indexes, self.fp)
                if found and not self._kept(found):
                    named = [self.grants.get(g, g) for g in sorted(found)]
                    fields[name] = placeholder({"output_type": "stream"}, named)["text"].strip()
                    removals.append(Removal(-1, f"{where} {name}", -1, tuple(sorted(found)), False))
        return removals

    def _clean_outputs(self, outputs: list[Any], ci: int, cell_id: str | None) -> list[Removal]:
        removals = []
        for oi, output in enumerate(outputs):
            if not isinstance(output, dict):
                continue
            marked = set(marked_grants(output))
            found = indexes_in(output_text(output), self.indexes, self.fp) if self.fp else set()
            involved = marked | found
            if not involved or self._kept(involved):
                continue
            named = [self.grants.get(g, g) for g in sorted(involved)]
            outputs[oi] = placeholder(output, named)
            removals.append(Removal(ci, cell_id, oi, tuple(sorted(involved)), bool(marked)))
        return removals


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _widget_states(nb: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(model id, its state's fields) of each widget model saved in ``nb``'s metadata."""
    saved = ((nb.get("metadata") or {}).get("widgets") or {}).get(WIDGET_STATE)
    models = saved.get("state") if isinstance(saved, dict) else None
    if not isinstance(models, dict):
        return []
    return [
        (str(model_id), model["state"])
        for model_id, model in models.items()
        if isinstance(model, dict) and isinstance(model.get("state"), dict)
    ]


def _field_text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return html.unescape(_ANSI.sub(" ", text))

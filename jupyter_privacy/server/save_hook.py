"""The ContentsManager pre-save hook: notebooks reach the disk without the raw values users unmasked.

Registered by the server extension on the server's contents manager. Before a notebook is written,
outputs that the kernel marked as showing unmasked values, and outputs whose text holds a raw value of
any grant stored beside the log, are replaced by a placeholder naming the grant (see
:mod:`jupyter_privacy.records.clean_outputs`), unless the grant's purpose keeps raw outputs. Only the
saved copy changes: the browser keeps showing what it showed.

Failing open would write raw values to disk, so: an unreadable grant store or a missing key narrows the
check to marked outputs (and says so in the server log); any other failure refuses the save with a
message instead of saving unchecked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from tornado.web import HTTPError

from ..mask import MissingKeyError, load_key
from ..mask.keys import MaskingKey
from ..policy import LoadedPolicy
from ..records.clean_outputs import OutputCleaner, Removal
from ..records.raw_grants import GrantFingerprints, read_grants
from .service import PrivacyService

_log = logging.getLogger(__name__)


def _grants(service: PrivacyService, loaded: LoadedPolicy, path: str) -> list[GrantFingerprints]:
    try:
        return read_grants(service.store_path(loaded))
    except (OSError, ValueError, KeyError) as exc:
        _log.error(
            "jupyter_privacy: grant fingerprints unreadable (%s); %s is checked for marked outputs only",
            exc,
            path,
        )
        return []


def _key(loaded: LoadedPolicy, path: str) -> MaskingKey | None:
    try:
        return load_key(loaded.policy)
    except MissingKeyError as exc:
        _log.warning("jupyter_privacy: %s; %s is checked for marked outputs only", exc, path)
        return None


def clean_model(service: PrivacyService, model: dict[str, Any], path: str) -> list[Removal]:
    """Replace the outputs with raw values in a notebook model about to be saved."""
    loaded = service.loaded_policy()
    keep = {p.id for p in loaded.policy.purposes if p.keep_raw_outputs}
    cleaner = OutputCleaner(_grants(service, loaded, path), _key(loaded, path), keep)
    return cleaner.clean(model["content"])


def pre_save_hook(service: PrivacyService) -> Callable[..., None]:
    """The hook for ``ContentsManager.register_pre_save_hook``."""

    def jupyter_privacy_pre_save(model: dict[str, Any], path: str, **_kwargs: Any) -> None:
        if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
            return
        try:
            removals = clean_model(service, model, path)
        except Exception as exc:
            _log.exception("jupyter_privacy: save of %s refused: the raw-value check failed", path)
            raise HTTPError(
                500,
                reason=f"jupyter-privacy could not check {path} for unmasked values ({type(exc).__name__}); "
                "the notebook was not saved. Clear the outputs that show raw values and save again, "
                "or ask the admin (server log).",
            ) from None
        if removals:
            _log.info(
                "jupyter_privacy: %d output(s) with unmasked values left out of the saved %s (grants %s)",
                len(removals),
                path,
                ", ".join(sorted({g for r in removals for g in r.grants})),
            )

    return jupyter_privacy_pre_save

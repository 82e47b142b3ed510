"""Errors the kernel layer raises; each says what was wrong, where, and what to do."""

from __future__ import annotations


class PrivacyError(Exception):
    """Base class of jupyter-privacy's user-facing errors in a notebook."""


class PurposeError(PrivacyError):
    """A purpose declaration was refused (unknown purpose, basis not allowed, bad reference)."""


class UnmaskDenied(PrivacyError):
    """Raw values were refused: no purpose, or the purpose does not allow these columns."""


class LoadError(PrivacyError):
    """A dataset could not be loaded (unreadable file, bad SQL source, changed file on unmask)."""


class OutputError(PrivacyError):
    """A governed output could not be written (the write failed; nothing was logged)."""


class LogUnavailable(PrivacyError):
    """The processing log cannot be written and the policy enforces: the action was refused, not done."""


class ModelPurposeRefused(PrivacyError):
    """A model was loaded or used under another purpose than it was trained for, and the policy refuses it."""

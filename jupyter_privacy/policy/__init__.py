"""Admin policy: typed model, loading from admin-only locations, validation with fix hints, hashing.

This layer depends on nothing else in jupyter_privacy (no kernel, server or detection code).
"""

from __future__ import annotations

from .default import DEFAULT_SOURCE, default_policy
from .loader import (
    ENV_ALLOW_USER_POLICY,
    ENV_POLICY_PATH,
    POLICY_FILENAME,
    LoadedPolicy,
    PolicyError,
    PolicyLocation,
    PolicyProblem,
    find_policy_file,
    load_policy,
    parse_policy,
    policy_search_path,
)
from .model import (
    ALL_READERS,
    SPECIAL_CATEGORIES,
    CustomRecognizer,
    DetectionSettings,
    InterceptionSettings,
    KernelSettings,
    KeySettings,
    LogSettings,
    MaskingSettings,
    MaskRule,
    OpenLineageSettings,
    Party,
    PatternSpec,
    Policy,
    Purpose,
    ReferenceRule,
    SpecialCategoryRule,
    UnmaskRule,
)

__all__ = [
    "ALL_READERS",
    "DEFAULT_SOURCE",
    "ENV_ALLOW_USER_POLICY",
    "ENV_POLICY_PATH",
    "POLICY_FILENAME",
    "SPECIAL_CATEGORIES",
    "CustomRecognizer",
    "DetectionSettings",
    "InterceptionSettings",
    "KernelSettings",
    "KeySettings",
    "LoadedPolicy",
    "LogSettings",
    "MaskRule",
    "MaskingSettings",
    "OpenLineageSettings",
    "Party",
    "PatternSpec",
    "Policy",
    "PolicyError",
    "PolicyLocation",
    "PolicyProblem",
    "Purpose",
    "ReferenceRule",
    "SpecialCategoryRule",
    "UnmaskRule",
    "default_policy",
    "find_policy_file",
    "load_policy",
    "parse_policy",
    "policy_search_path",
]

"""Loaded in every kernel by the admin's IPython configuration; starts jupyter-privacy if the policy says so.

The admin installs, e.g. as ``/etc/ipython/ipython_kernel_config.py`` (all users) or
``{sys.prefix}/etc/ipython/ipython_kernel_config.py`` (one environment)::

    c.InteractiveShellApp.extensions = ["jupyter_privacy.kernel.autoload"]

and sets ``kernel: {autoload: true}`` in the policy. With ``autoload: false`` (or no policy) the
kernel starts as usual and users can still run ``%load_ext jupyter_privacy``.
"""

from __future__ import annotations

import sys
from typing import Any


def load_ipython_extension(ipython: Any) -> None:
    from ..policy import PolicyError, load_policy

    try:
        loaded = load_policy()
    except PolicyError as exc:
        # a broken admin policy must be visible in the kernel, not silently skipped
        print(
            f"jupyter-privacy: the admin policy cannot be used, privacy extension NOT started:\n{exc}",
            file=sys.stderr,
        )
        return
    if loaded.policy.kernel.autoload:
        from . import load_ipython_extension as start

        start(ipython)

"""Test-wide isolation: every test (and every process it starts) gets a throw-away home directory.

The built-in default policy writes its processing log under ``~/.local/share/jupyter-privacy``; tests
must never touch the real one of the person running them.
"""

from __future__ import annotations

import os
import tempfile

os.environ["HOME"] = tempfile.mkdtemp(prefix="jupyter-privacy-test-home-")
os.environ.pop("JUPYTER_PRIVACY_POLICY", None)
os.environ.pop("JUPYTER_PRIVACY_KEY", None)

"""Where UI tests save their screenshots.

``make screenshots`` (``JUPYTER_PRIVACY_SCREENSHOTS=1``) writes them to docs/img, replacing the committed
ones; ordinary test runs write them to a temporary folder, so running the tests never changes the tree.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


def screenshot_dir() -> Path:
    if os.environ.get("JUPYTER_PRIVACY_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        return DOCS_IMG
    return Path(tempfile.mkdtemp(prefix="jupyter-privacy-screens-"))

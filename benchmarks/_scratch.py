"""A scratch folder that is removed when the benchmark exits.

A 10M-row Spark run writes several GB per repeat; a folder left behind by every run filled the disk
(and then the CI install that ran after it), so every benchmark takes its folder from here.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path


def scratch_dir(prefix: str) -> Path:
    """A new folder under the system temp dir, removed at exit (also after an error or Ctrl-C)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder

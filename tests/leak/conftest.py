"""A jupyter_server (pytest-jupyter) whose root is the leak test's work folder, with jupyter_privacy."""

from __future__ import annotations

from pytest_jupyter.jupyter_core import *  # noqa: F403  (fixtures and the async test runner hook)
from pytest_jupyter.jupyter_server import *  # noqa: F403

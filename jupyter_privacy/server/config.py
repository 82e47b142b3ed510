"""Admin settings of the server extension (``c.JupyterPrivacy.*`` in jupyter_server_config)."""

from __future__ import annotations

from traitlets import Float, Unicode, default
from traitlets.config import Configurable

from ..records.aliases import default_alias_path

AUTH_RESOURCE = "jupyter_privacy"
"""The ``auth_resource`` of every handler: an Authorizer can allow or refuse it as a whole."""


class JupyterPrivacy(Configurable):
    """Settings of the jupyter-privacy REST API.

    The policy itself is found the way the kernel finds it (admin locations, ``JUPYTER_PRIVACY_POLICY``);
    these traits only say where the server reads the log and keeps its own small state.
    """

    policy_path = Unicode(
        "",
        config=True,
        help="Read the policy from this file instead of the admin locations the kernels use. "
        "Empty (default): the same look-up as the kernel (JUPYTER_PRIVACY_POLICY, system Jupyter config dirs).",
    )

    store_path = Unicode(
        "",
        config=True,
        help="Read the processing log from this SQLite file instead of the policy's log.path. "
        "Empty (default): the policy's log.path.",
    )

    alias_path = Unicode(
        config=True,
        help="JSON file where the server remembers notebook renames (old path -> new path), so a renamed "
        "notebook keeps the records its kernel wrote under the old name.",
    )

    poll_interval = Float(
        10.0,
        min=0.0,
        config=True,
        help="Default seconds between sidebar refreshes while a notebook is open (the sidebar also "
        "refreshes when a cell finishes). 0 turns timed polling off. Users can override it in the "
        "JupyterLab setting 'Privacy > pollInterval'.",
    )

    @default("alias_path")
    def _default_alias_path(self) -> str:
        return default_alias_path()

"""The masking key: where it comes from, its public fingerprint, and nothing else.

The key is read from the source the admin's policy names (an environment variable or a key file),
kept in one object whose ``repr`` never shows it, and identified everywhere else (log records,
exports, summaries) by its key id, a fingerprint that does not reveal it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..policy import Policy

MIN_KEY_CHARS = 32
_KEY_ID_CONTEXT = b"jupyter-privacy key id v1\x00"


class MissingKeyError(Exception):
    """No usable masking key; the message says where it was looked for and how to create one."""


@dataclass(frozen=True)
class MaskingKey:
    """A secret HMAC key. Compare and log it only through :attr:`key_id`."""

    secret: str = field(repr=False)
    source: str = ""

    @property
    def key_id(self) -> str:
        digest = hashlib.sha256(_KEY_ID_CONTEXT + self.secret.encode("utf-8")).hexdigest()
        return f"kid-{digest[:16]}"

    def __str__(self) -> str:
        return f"MaskingKey({self.key_id} from {self.source})"


def generate_key() -> str:
    """A new random key: 64 hex characters (256 bits)."""
    return secrets.token_hex(32)


_HOW_TO = (
    "Create one with `jupyter-privacy key generate --file PATH` (an admin-owned file, then set "
    "`key: {{source: file, file: PATH}}` in the policy), or set it for the Jupyter server with "
    "`export {env}=$(jupyter-privacy key generate)` before starting it. See docs/admin-guide.md."
)


def load_key(policy: Policy) -> MaskingKey:
    """Read the masking key from the policy's key source."""
    settings = policy.key
    if settings.source == "env":
        value = os.environ.get(settings.env_var, "")
        if not value.strip():
            raise MissingKeyError(
                f"no masking key: the policy takes it from the environment variable {settings.env_var}, "
                f"which is not set in this kernel. " + _HOW_TO.format(env=settings.env_var)
            )
        return _checked(value.strip(), f"environment variable {settings.env_var}")
    path = settings.resolved_file()
    if path is None:  # the policy model already refuses this; kept for type narrowing
        raise MissingKeyError("no masking key: the policy's key source is `file` but names no file")
    return _checked(_read_key_file(path), f"key file {path}")


def _read_key_file(path: Path) -> str:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise MissingKeyError(
            f"no masking key: the key file {path} named by the policy does not exist. "
            + _HOW_TO.format(env="JUPYTER_PRIVACY_KEY")
        ) from None
    except PermissionError:
        raise MissingKeyError(
            f"no masking key: the key file {path} is not readable by this kernel's user; "
            "ask the admin to make it readable by the user that runs the kernels"
        ) from None
    except (UnicodeDecodeError, OSError) as exc:
        raise MissingKeyError(
            f"no masking key: the key file {path} cannot be read ({type(exc).__name__})"
        ) from None
    return text.strip()


def _checked(value: str, where: str) -> MaskingKey:
    if len(value) < MIN_KEY_CHARS:
        raise MissingKeyError(
            f"the masking key in the {where} is too short ({len(value)} characters; at least {MIN_KEY_CHARS} "
            "needed): generate one with `jupyter-privacy key generate`"
        )
    return MaskingKey(value, where)


def write_key_file(path: Path, key: str) -> None:
    """Create a key file readable by its owner only; refuse to overwrite an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")

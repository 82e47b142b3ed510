"""Plain ``pd.read_csv(...)`` and friends through the governed path, when the policy says so.

Each configured reader is wrapped: the original runs with the user's arguments, then the result is
scanned, masked and logged like a ``%privacy_load`` and its summary shown. Chunked reads are governed
chunk by chunk (:mod:`.chunks`), workbooks sheet by sheet. A reader's error reaches the notebook with
every quoted value blanked out; a file whose column names are personal data is refused with a message
saying how to read it. Reads done by jupyter-privacy itself are not intercepted again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..detect.labels import header_is_data
from ..io import describe_error
from .chunks import GovernedChunks, nth_chunk
from .display import load_bundle
from .errors import LoadError
from .session import _file_sha256, datasets_of, frame_sha256, internal_read

if TYPE_CHECKING:
    from .session import PrivacySession


class Interception:
    def __init__(self, session: PrivacySession, readers: list[str]) -> None:
        self.session = session
        self.readers = [r for r in readers if hasattr(pd, r)]
        self._originals: dict[str, Callable[..., Any]] = {}

    def install(self) -> None:
        for name in self.readers:
            original = getattr(pd, name)
            self._originals[name] = original
            setattr(pd, name, self._wrap(name, original))

    def uninstall(self) -> None:
        for name, original in self._originals.items():
            setattr(pd, name, original)
        self._originals.clear()

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        session = self.session

        def reader(*args: Any, **kwargs: Any) -> Any:
            if internal_read():
                return original(*args, **kwargs)
            try:
                result = original(*args, **kwargs)
            except OSError as exc:
                # a missing or unreadable file: its message names the path (by its token when the file
                # is named by a person), not the contents
                shown = _path_shown(exc, session)
                if shown is exc:
                    raise
                raise shown from None
            except Exception as exc:
                raise _sanitised(exc, name) from None
            read = _Read(session, name, original, args, kwargs)
            if isinstance(result, pd.DataFrame):
                return read.govern(result, lambda: original(*args, **kwargs))
            if isinstance(result, pd.Series):  # read_json(typ='series'): {key: value} as one column
                frame = read.govern(result.to_frame(), lambda: original(*args, **kwargs).to_frame())
                return frame.iloc[:, 0]
            if (
                isinstance(result, dict)
                and result
                and all(isinstance(v, pd.DataFrame) for v in result.values())
            ):
                # read_excel(sheet_name=None or a list): a frame per sheet; a workbook with a sheet per
                # customer has sheets named by people, which are labels like column names
                named = session.labels.renames([str(sheet) for sheet in result])
                return {
                    named.get(str(sheet), sheet): read.govern(
                        frame, read.sheet(sheet), f" [sheet {named.get(str(sheet), sheet)}]"
                    )
                    for sheet, frame in result.items()
                }
            if hasattr(result, "__next__"):  # chunksize= / iterator= (read_sql's chunks: a generator)
                return GovernedChunks(result, read.chunk, lambda exc: _sanitised(exc, name))
            return result

        reader.__name__ = name
        reader.__doc__ = original.__doc__
        reader.__wrapped__ = original  # type: ignore[attr-defined]
        return reader


class _Read:
    """One intercepted call: governs the frame(s) it returned, with what unmasking needs to read again."""

    def __init__(
        self,
        session: PrivacySession,
        name: str,
        original: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        self.session, self.name, self.original, self.args, self.kwargs = session, name, original, args, kwargs
        target = args[0] if args else next(iter(kwargs.values()), None)
        self.path = _file(target)
        self.source = str(self.path.resolve()) if self.path else f"{name}:<{type(target).__name__}>"

    def govern(
        self, result: pd.DataFrame, reread: Callable[[], pd.DataFrame], part: str = ""
    ) -> pd.DataFrame:
        """Scan, mask, log and summarise one frame the reader returned."""
        _refuse_personal_labels(self.session, result, self.name, self.path)
        if self.path is None or part:
            sha: str | Future[str] = frame_sha256(result)
            frame = self.session.govern(result, source=self.source + part, content_sha256=sha, reread=reread)
        else:
            # the file's hash is computed while the frame is scanned and masked (hashlib releases the GIL)
            with ThreadPoolExecutor(max_workers=1) as hasher:
                sha = hasher.submit(_file_sha256, self.path)
                frame = self.session.govern(result, source=self.source, content_sha256=sha, reread=reread)
        _show(self.session, frame)
        return frame

    def sheet(self, sheet: Any) -> Callable[[], pd.DataFrame]:
        return lambda: self.original(*self.args, **self.kwargs)[sheet]

    def chunk(self, chunk: pd.DataFrame, number: int) -> pd.DataFrame:
        """One chunk of a ``chunksize=``/``iterator=`` read (its summary only for the first chunk)."""
        reread = lambda: nth_chunk(lambda: self.original(*self.args, **self.kwargs), number)  # noqa: E731
        if number:
            _refuse_personal_labels(self.session, chunk, self.name, self.path)
            return self.session.govern(
                chunk,
                source=f"{self.source} [chunk {number + 1}]",
                content_sha256=frame_sha256(chunk),
                reread=reread,
            )
        return self.govern(chunk, reread, " [chunk 1]")


def _file(target: Any) -> Path | None:
    """The file a reader read, or None (a buffer, a SQL query, JSON text: too long or odd for a path)."""
    if not isinstance(target, str | os.PathLike):
        return None
    try:
        path = Path(os.fspath(target)).expanduser()
        return path if path.is_file() else None
    except (OSError, ValueError):  # "File name too long" quotes the text, which may be personal data
        return None


_HOW_TO_READ = {
    "read_json": "pd.read_json(path, orient='index') (one row per key; the keys become the index, which is "
    "masked)",
    "read_excel": "pd.read_excel(path, header=None)",
}


def _refuse_personal_labels(
    session: PrivacySession, frame: pd.DataFrame, name: str, path: Path | None
) -> None:
    """Column names that are a person's data: the file has no header row, or is keyed by people. (A
    table by person, names over numbers, is governed: its names become tokens.)"""
    found = session.labels.personal(frame.columns)
    if not header_is_data(frame, found):
        return
    kinds = ", ".join(sorted(set(found.values())))
    where = f" of {session.labels.path(str(path))}" if path is not None else ""
    how = _HOW_TO_READ.get(name, f"pd.{name}(path, header=None)")
    raise LoadError(
        f"pd.{name}: {len(found)} of the {frame.shape[1]} column names{where} are personal data ({kinds}), "
        f"so they would be shown and logged raw; the file has no header row or is keyed by people. "
        f"Read it with {how}, or with %privacy_load, which detects this layout."
    )


def _path_shown(exc: OSError, session: PrivacySession) -> OSError:
    """``exc``, or the same error naming its file by the token of the person it is named by."""
    if not isinstance(exc.filename, str) or exc.errno is None:
        return exc
    shown = session.labels.path(exc.filename)
    return exc if shown == exc.filename else type(exc)(exc.errno, exc.strerror, shown)


def _sanitised(exc: Exception, name: str) -> Exception:
    """The reader's error without the values it quotes (a parser error can quote a cell)."""
    message = f"pd.{name}: {describe_error(exc, 200)} (quoted values hidden by jupyter-privacy)"
    try:
        return type(exc)(message)
    except Exception:
        return LoadError(f"{type(exc).__name__}: {message}")


def _show(session: PrivacySession, frame: pd.DataFrame) -> None:
    """The inline summary of an intercepted read, as ``%privacy_load`` shows it (in a notebook only)."""
    if session.shell is None:
        return
    from IPython.display import display

    from .magics import policy_note

    dataset = session.datasets[datasets_of(frame)[0]]
    display(load_bundle(session.labels.sanitise(dataset.summary()), policy_note()), raw=True)

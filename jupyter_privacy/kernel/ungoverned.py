"""Reads around the governed path: a file the session loaded masked, read again raw another way.

``open()`` (and so ``csv``, ``json``, pandas with interception off) raise Python's ``open`` audit event;
pyarrow and polars read files natively, without one, so their readers are wrapped to raise our own audit
event, ``jupyter_privacy.read``. One audit hook (``sys.addaudithook``; it cannot be removed, so it
dispatches to the active session and does nothing without one) notes the reads of governed files, and
``ungoverned_read`` is logged once the cell has finished, once per file and way of reading per cell.
Shell commands (``!head data.csv``, ``%%bash``, ``subprocess``) read in another process: see
:mod:`.shell_reads`.

The hook runs for every audit event of the process, so it is two string comparisons for anything that is
not a file open, and a set lookup of the file's base name for opens of files that were never governed.
Only a hit walks the stack (to leave out jupyter-privacy's own reads and to name the reader).
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .shell_reads import COMMAND_EVENTS, cell_commands, command_files, event_commands, line_words

if TYPE_CHECKING:
    from .session import PrivacySession

AUDIT_EVENT = "jupyter_privacy.read"
EVENT = "ungoverned_read"
# readers that do their own (native) I/O: module -> functions whose first argument is the source
NATIVE_READERS: dict[str, tuple[str, ...]] = {
    "pyarrow.csv": ("read_csv", "open_csv"),
    "pyarrow.json": ("read_json",),
    "pyarrow.parquet": ("read_table", "read_pandas", "read_metadata", "read_schema"),
    "pyarrow.feather": ("read_table", "read_feather"),
    "polars": (
        "read_csv",
        "read_csv_batched",
        "scan_csv",
        "read_parquet",
        "scan_parquet",
        "read_ipc",
        "scan_ipc",
        "read_json",
        "read_ndjson",
        "scan_ndjson",
        "read_excel",
    ),
}
_PART = re.compile(r" \[(?:chunk|sheet) [^\]]*\]$")  # "path [chunk 2]" -> "path"
_OURS = ("jupyter_privacy.",)
# Python's I/O layers, and IPython's own open() wrapper in the user namespace
_IO_MODULES = frozenset({"io", "_io", "codecs", "pathlib", "os", "builtins", "IPython", __name__})
_MARK = "_jupyter_privacy_announces"
_ACTIVE: UngovernedReads | None = None
_HOOKED = False


@dataclass
class _Hit:
    path: str
    datasets: list[str]
    via: str
    count: int = 0


@dataclass
class UngovernedReads:
    """Notes reads of this session's governed files that did not go through jupyter-privacy."""

    session: PrivacySession
    pending: dict[tuple[str, str], _Hit] = field(default_factory=dict)
    _files: dict[str, list[str]] = field(default_factory=dict)  # resolved path -> dataset ids
    _names: frozenset[str] = frozenset()
    _known: int = -1
    _restore: list[tuple[Any, str, Any]] = field(default_factory=list)
    _static: set[tuple[str, str]] = field(default_factory=set)  # shell reads seen in the cell's source
    _shell: tuple[Any, Any] | None = None  # the IPython shell whose system() is watched, and what it had

    def install(self) -> None:
        global _ACTIVE, _HOOKED
        if not _HOOKED:
            sys.addaudithook(_hook)
            _HOOKED = True
        _ACTIVE = self
        self.hook_modules()

    def uninstall(self) -> None:
        global _ACTIVE
        if _ACTIVE is self:
            _ACTIVE = None
        if self._shell is not None:
            shell, previous = self._shell
            if previous is None:
                shell.__dict__.pop("system", None)
            else:
                shell.system = previous
            self._shell = None
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)
        self._restore.clear()

    def hook_modules(self) -> None:
        """Wrap the native readers of pyarrow and polars once they are imported (called after every cell)."""
        done = {(id(o), n) for o, n, _ in self._restore}
        for module_name, functions in NATIVE_READERS.items():
            module = sys.modules.get(module_name)
            if module is None:
                continue
            for name in functions:
                original = getattr(module, name, None)
                if original is None or (id(module), name) in done or getattr(original, _MARK, False):
                    continue
                self._restore.append((module, name, original))
                setattr(module, name, _announcing(original, f"{module_name}.{name}"))

    def prepare_cell(self, code: str) -> None:
        """Import the native readers a cell is about to use, so their first call is seen too."""
        for module_name in NATIVE_READERS:
            if module_name.split(".")[0] in code and module_name not in sys.modules:
                try:
                    importlib.import_module(module_name)
                except ImportError:
                    continue
        self.hook_modules()

    def shell_cell(self, code: str) -> None:
        """Note the governed files a cell's shell commands (``!head data.csv``, ``%%bash``) name."""
        for command in cell_commands(code):
            for word, program in command_files(line_words(command)):
                if self._shell_read(word, None, f"shell: {program}", count=True):
                    self._static.add((os.path.realpath(word), f"shell: {program}"))

    def watch_shell(self, shell: Any) -> None:
        """``!cmd {path}`` runs through ``shell.system``, which expands ``{expressions}`` itself: see the
        command as it runs (the cell's source shows only ``{path}``, and pexpect raises no audit event)."""
        original = shell.system

        def system(cmd: str, *args: Any, **kwargs: Any) -> Any:
            try:
                words = line_words(shell.var_expand(cmd, depth=1))
                for word, program in command_files(words):
                    self._shell_read(word, None, f"shell: {program}", count=False)
            except Exception:  # never in the way of the command itself
                pass
            return original(cmd, *args, **kwargs)

        self._shell = (shell, shell.__dict__.get("system"))
        shell.system = system

    def command(self, event: str, args: tuple[Any, ...]) -> None:
        """A command the cell started itself (``subprocess.run``, ``os.system``)."""
        words, cwd = event_commands(event, args)
        for word, program in command_files(words):
            if not _inside_jupyter_privacy():
                self._shell_read(word, cwd, f"shell: {program}", count=False)

    def _shell_read(self, word: str, cwd: str | None, via: str, *, count: bool) -> bool:
        self._refresh()
        if os.path.basename(word) not in self._names:
            return False
        resolved = os.path.realpath(os.path.join(cwd or os.getcwd(), word))
        datasets = self._files.get(resolved)
        if datasets is None or (not count and (resolved, via) in self._static):
            return False  # seen in the cell's source already: one command, one read
        hit = self.pending.setdefault((resolved, via), _Hit(resolved, datasets, via))
        hit.count += 1
        return True

    # -- the hook -------------------------------------------------------------------------------

    def seen(self, target: Any, mode: Any, via: str | None) -> None:
        """An open (or a native read) of ``target``; noted when it is a governed file read raw."""
        if isinstance(mode, str) and not ("r" in mode or "+" in mode):
            return
        if isinstance(mode, int) and mode & (os.O_WRONLY | os.O_RDWR) == os.O_WRONLY:
            return
        try:
            text = os.fsdecode(os.fspath(target))
        except TypeError:
            return  # a file descriptor or a buffer: no path to match
        self._refresh()
        if os.path.basename(text) not in self._names:
            return
        resolved = os.path.realpath(text)
        datasets = self._files.get(resolved)
        if datasets is None or _inside_jupyter_privacy():
            return
        reader = via or _caller()
        hit = self.pending.setdefault((resolved, reader), _Hit(resolved, datasets, reader))
        hit.count += 1

    def _refresh(self) -> None:
        datasets = self.session.datasets
        if len(datasets) == self._known:
            return
        files: dict[str, list[str]] = {}
        for dataset in list(datasets.values()):
            source = _PART.sub("", dataset.source)
            if source.startswith(("sql:", "read_")) or not os.path.isabs(source):
                continue
            files.setdefault(os.path.realpath(source), []).append(dataset.id)
        self._files = files
        self._names = frozenset(os.path.basename(p) for p in files)
        self._known = len(datasets)

    def flush(self) -> None:
        """Log what the cell that just ended read around the governed path."""
        pending, self.pending = self.pending, {}
        self._static.clear()
        for hit in pending.values():
            self.session.log(
                EVENT,
                {"path": hit.path, "datasets": sorted(set(hit.datasets)), "via": hit.via, "count": hit.count},
            )


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" and event != AUDIT_EVENT:
        if event in COMMAND_EVENTS and _ACTIVE is not None:
            try:
                _ACTIVE.command(event, args)
            except Exception:  # an audit hook must never break the code it watches
                return
        return
    active = _ACTIVE
    if active is None or not args:
        return
    target = args[0]
    # fast path (every open in the process): a path whose base name no governed file has
    if (
        type(target) is str
        and target.rpartition(os.sep)[2] not in active._names
        and active._known == len(active.session.datasets)
    ):
        return
    try:
        if event == "open":
            active.seen(target, args[1] if len(args) > 1 else None, None)
        else:
            active.seen(target, None, str(args[1]))
    except Exception:  # an audit hook must never break the code it watches
        return


def _announcing(original: Callable[..., Any], via: str) -> Callable[..., Any]:
    def reader(*args: Any, **kwargs: Any) -> Any:
        source = args[0] if args else next(iter(kwargs.values()), None)
        if isinstance(source, str | os.PathLike):
            sys.audit(AUDIT_EVENT, source, via)
        return original(*args, **kwargs)

    reader.__name__ = getattr(original, "__name__", "reader")
    reader.__doc__ = original.__doc__
    reader.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(reader, _MARK, True)
    return reader


def _inside_jupyter_privacy() -> bool:
    """Whether jupyter-privacy itself is reading (a governed load, its content hash, an unmask re-read)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.startswith(_OURS) and name != __name__:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _caller() -> str:
    """Who read: the first module outside Python's I/O layers ("notebook code" for the cell itself)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if name.split(".")[0] not in _IO_MODULES and name != __name__:
            if name == "__main__" or name.startswith("<"):
                return "notebook code"
            return name.split(".")[0]
        frame = frame.f_back  # type: ignore[assignment]
    return "unknown"

"""``jupyter-privacy scan PATH``: which columns of a data file hold personal data.

The output names columns, types, categories, entity types, scores and coverage; never a cell value.
Exit status: 0 scanned, 2 the file or the policy could not be read.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .errors import CliError

if TYPE_CHECKING:
    from ..detect.findings import ScanResult
    from ..policy import LoadedPolicy


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="find the personal-data columns of a data file",
        description="Classify every column of a CSV/TSV, Parquet, JSON/JSONL or Excel file as a direct "
        "identifier, a GDPR Art. 9 special category, a quasi-identifier or none. Only a sample of rows "
        "is analysed; no cell value is ever printed.",
    )
    parser.add_argument("path", metavar="PATH", help="the data file to scan")
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format (default: table)"
    )
    parser.add_argument(
        "--policy",
        metavar="FILE",
        help="use this policy file's detection settings instead of the installed policy",
    )
    parser.add_argument("--sheet", metavar="NAME", help="Excel: the sheet to scan (default: the first)")
    parser.add_argument(
        "--sample-rows", type=int, metavar="N", help="rows to sample (default: the policy's sample_rows)"
    )
    parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imports here keep `jupyter-privacy --help` and `policy check` fast
    from ..policy import PolicyError, load_policy

    try:
        loaded = load_policy(args.policy)
    except PolicyError as exc:
        raise CliError(f"the policy cannot be used:\n{exc}") from None
    if args.sample_rows is not None:
        if args.sample_rows < 1:
            raise CliError("--sample-rows must be a positive number")
        detection = loaded.policy.detection.model_copy(update={"sample_rows": args.sample_rows})
        loaded = dataclasses.replace(loaded, policy=loaded.policy.model_copy(update={"detection": detection}))
    with torch_kept_out(loaded.policy.detection.ner_model):
        result = _scan(args, loaded)
    if args.format == "json":
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(result.to_table())
        if loaded.is_default:
            print(
                "\nnote: no admin policy is installed; the built-in default policy was used "
                "(see `jupyter-privacy policy show`).",
            )
    return 0


def _scan(args: argparse.Namespace, loaded: LoadedPolicy) -> ScanResult:
    from ..detect import scan_dataframe
    from ..detect.engine import ner_model
    from ..detect.labels import header_is_data, personal_labels
    from ..io import DataReadError, read_table

    try:
        df = read_table(args.path, sheet=args.sheet)
        if header_is_data(df, personal_labels(df.columns, ner_model(loaded.policy.detection.ner_model))):
            # the "header" is a person (no header row, or a JSON object keyed by people), as %privacy_load
            # reads it: otherwise the first person is printed as the column names and never scanned
            df = read_table(args.path, sheet=args.sheet, labels_are_data=True)
    except DataReadError as exc:
        raise CliError(str(exc)) from None
    return scan_dataframe(df, loaded, source=args.path, progress=not args.no_progress and sys.stderr.isatty())


@contextmanager
def torch_kept_out(ner_model: str) -> Iterator[None]:
    """Keep PyTorch out of the scan when it cannot use it.

    presidio-analyzer (to look for a GPU) and spaCy's thinc (to offer torch layers) import PyTorch at
    import time whenever it is installed: about 1.7 s per run, for nothing, since the scan uses
    presidio's pattern recognisers and, at most, a CNN spaCy pipeline. A policy that names another
    NER model (a transformer pipeline may need torch) keeps the import; so does a process that has
    already imported torch. Afterwards torch can be imported again (thinc keeps its verdict).
    """
    from ..detect.ner import AUTO_MODELS

    if "torch" in sys.modules or ner_model not in ("auto", "none", *AUTO_MODELS):
        yield
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError
    try:
        yield
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]

"""Reading tabular files into DataFrames with errors a person can act on."""

from .readers import SUPPORTED_SUFFIXES, DataReadError, describe_error, read_table

__all__ = ["SUPPORTED_SUFFIXES", "DataReadError", "describe_error", "read_table"]

"""Engines other than pandas that govern their own DataFrames with the same findings, tokens and log.

Each engine samples its data into a pandas frame for the shared classifier and masks with the shared
token formula, executed by the engine itself. Optional: imported only when used.
"""

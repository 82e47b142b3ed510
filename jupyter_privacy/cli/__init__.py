"""Command line interface: ``jupyter-privacy`` (also reachable as ``jupyter privacy``)."""

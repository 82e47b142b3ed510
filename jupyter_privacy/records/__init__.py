"""Records built from the processing log and the policy: the Article 30 record (:mod:`.article30`),
OpenLineage events (:mod:`.openlineage`) and erasure look-ups (:mod:`.erasure`, :mod:`.fingerprints`).

A plain library (no IPython, no tornado); building a record or answering a look-up never writes to the log.
"""

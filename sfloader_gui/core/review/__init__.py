"""Failed-record review: lazy result-file indexes, grouping, joins, edits, exports, retries (Qt-free)."""

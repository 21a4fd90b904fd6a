"""The holdout generator: its own world (businesses, vocabularies), layouts, fonts and photo-like degradations.

Written without reference to golden/gen or the extractor: what UK receipts and invoices look like, not what
the extraction handles.
"""

"""Building blocks of ``golden/generate.py``: the data model, the catalogue, the templates and the scanner."""

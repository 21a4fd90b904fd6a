"""The golden dataset: generator (``golden/generate.py``), documents, expected outputs and ``compare``."""

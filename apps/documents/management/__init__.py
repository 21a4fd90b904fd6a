"""Management commands of the documents app."""

"""Domain errors of the documents app; messages are safe to show to people."""


class DocumentError(Exception):
    pass

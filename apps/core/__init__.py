"""The bottom layer every app may import: the error model and the state-machine helper.

Not a Django app (no models, no settings): plain code with no imports from ``apps``.
"""

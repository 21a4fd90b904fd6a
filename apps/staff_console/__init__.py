"""The staff console: every staff page, in one app at the top of the house."""

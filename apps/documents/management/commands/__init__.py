"""manage.py extract (and, from the lead, golden)."""

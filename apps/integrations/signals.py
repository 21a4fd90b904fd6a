"""What the integrations announce to apps above them (decision 0003): they react, we do not import them."""

from __future__ import annotations

from django.dispatch import Signal

# A real call to an external service got an answer (any HTTP status but "unavailable"); sent with
# ``client``, the client's name ("hmrc", "companies_house", ...). The monitors app clears the
# automatic degraded banner for that service.
dependency_answered = Signal()

# A breaker changed state (apps/integrations/breakers.py); sent once per change, by the process that made it,
# with ``key`` ("hmrc", "companies_house", "bank_feed"), ``old_state`` and ``new_state``. The monitors app sets
# the automatic degraded banner on "open" and clears it on "closed".
breaker_state_changed = Signal()

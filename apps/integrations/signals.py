"""What the integrations announce to apps above them (decision 0003): they react, we do not import them."""

from __future__ import annotations

from django.dispatch import Signal

# A real call to an external service got an answer (any HTTP status but "unavailable"); sent with
# ``client``, the client's name ("hmrc", "companies_house", ...). The monitors app clears the
# automatic degraded banner for that service.
dependency_answered = Signal()

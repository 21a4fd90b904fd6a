"""Browser facts as fph.js sends them, for tests of requests that lead to an HMRC call."""

from __future__ import annotations

import json
from urllib.parse import quote

from apps.integrations.hmrc.initiator import SystemInitiated

BROWSER_FACTS = {
    "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "deviceId": "beec798b-b366-47fa-b1f8-92cede14a1ce",
    "screens": [{"width": 1920, "height": 1080, "scalingFactor": 1, "colourDepth": 24}],
    "windowSize": {"width": 1280, "height": 800},
    "timezone": "UTC+00:00",
}
BROWSER_JSON = json.dumps(BROWSER_FACTS)
# A form POST carries the facts in this field (fph.js adds it to every POST form at submit).
FORM = {"fph_browser": BROWSER_JSON}
# An htmx request carries them in a percent-encoded header (fph.js, htmx:configRequest).
HTMX = {"HTTP_X_STRONGROOM_FPH": quote(BROWSER_JSON), "HTTP_HX_REQUEST": "true"}
# For client-level tests that are not about who started the call.
SYSTEM = SystemInitiated("test")

"""The security center (decision 0027): access and audit checks, recorded runs, the checklist, gauges."""

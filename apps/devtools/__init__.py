"""Dev and deploy tooling: not part of the product.

The top layer, beside the staff console: it may import any app, and nothing
imports it. Its management commands generate the golden dataset run, the OCR
benchmark, the demo data and the monitoring configuration (Prometheus rules,
Grafana dashboards); the Makefile, scripts/ and CI call them by name.
"""

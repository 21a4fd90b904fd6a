"""The log shipping config parses and ships what the app writes (Vector itself is not on these machines)."""

from __future__ import annotations

from pathlib import Path

import yaml

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "vector" / "vector.yaml"


def test_vector_config_ships_json_lines_to_loki_with_low_cardinality_labels():
    config = yaml.safe_load(CONFIG.read_text())
    assert config["sinks"]["loki"]["type"] == "loki"
    assert config["sinks"]["loki"]["inputs"] == ["parsed"]
    assert set(config["sinks"]["loki"]["labels"]) == {"service", "level"}, "request ids and tenants are not labels"
    assert "parse_json" in config["transforms"]["parsed"]["source"]
    assert "${LOKI_ENDPOINT}" in config["sinks"]["loki"]["endpoint"], "no endpoint or credential in the file"

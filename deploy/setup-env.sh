#!/bin/sh
# Write deploy/.env from deploy/env.example with fresh secrets (issue #17: the synthetic monitor's password was
# left unset, so each process and restart chose its own and the monitor locked its own account).
#
#   sh deploy/setup-env.sh            # creates deploy/.env (mode 600), or completes an existing one
#
# Only the secrets below are generated, and only where the value is missing or still "change-me": a value an
# operator set is never replaced, so running it again (or after an upgrade adds a variable) is safe. The rest
# (ALLOWED_HOSTS, SITE_URL, HMRC_*, VENDOR_PUBLIC_IP) must be filled in by hand; the script lists what is left.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
env_file=${1:-"$here/.env"}
umask 077
[ -f "$env_file" ] || cp "$here/env.example" "$env_file"
chmod 600 "$env_file"

python3 - "$env_file" "$here/env.example" <<'PY'
import base64
import re
import secrets
import sys

path, example_path = sys.argv[1], sys.argv[2]
GENERATED = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEKS": lambda: "1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
    "POSTGRES_PASSWORD": lambda: secrets.token_urlsafe(32),
    "STRONGROOM_OWNER_PASSWORD": lambda: secrets.token_urlsafe(32),
    "STRONGROOM_APP_PASSWORD": lambda: secrets.token_urlsafe(32),
    "GRAFANA_ADMIN_PASSWORD": lambda: secrets.token_urlsafe(24),
    "SYNTHETIC_MONITOR_PASSWORD": lambda: secrets.token_urlsafe(32),
}
line_re = re.compile(r"^([A-Z][A-Z0-9_]+)=(.*)$")
lines = open(path).read().splitlines()
present = {m.group(1) for m in map(line_re.match, lines) if m}
# Variables env.example gained since this .env was written are added with their example value.
for line in open(example_path).read().splitlines():
    m = line_re.match(line)
    if m and m.group(1) not in present:
        lines.append(line)
out, left = [], []
for line in lines:
    m = line_re.match(line)
    if m and m.group(1) in GENERATED and m.group(2).strip() in ("", "change-me"):
        line = f"{m.group(1)}={GENERATED[m.group(1)]()}"
    elif m and m.group(2).strip() == "change-me":
        left.append(m.group(1))
    out.append(line)
with open(path, "w") as handle:
    handle.write("\n".join(out) + "\n")
print(f"{path}: secrets generated; still to fill in by hand: {', '.join(left) or 'nothing'}")
PY

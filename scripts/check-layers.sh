#!/usr/bin/env bash
# The layers hold (docs/architecture.md): the web layer reaches data only
# through services, and the domain depends on nothing above it. A plain text
# check, so it runs in a second and needs no build.
set -euo pipefail
cd "$(dirname "$0")/.."

src=crates/tend/src
status=0

# web/ must not name the store: `crate::store`, `store::Something`.
if hits=$(grep -rnE '(crate::store|\bstore::)' "$src/web" --include='*.rs'); then
  echo "The web layer names the store; go through a service instead:" >&2
  echo "$hits" >&2
  status=1
fi

# domain/ must not name the service layer (`crate::service`, `service::`).
if hits=$(grep -rnE '(crate::service|\bservice::)' "$src/domain" --include='*.rs'); then
  echo "The domain names the service layer; it must not depend on it:" >&2
  echo "$hits" >&2
  status=1
fi

if [ "$status" -eq 0 ]; then
  echo "layers hold: web names no store, domain names no service"
fi
exit "$status"

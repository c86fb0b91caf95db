#!/usr/bin/env bash
# Builds the playground (release) and serves it on http://127.0.0.1:${PORT:-8080}, rebuilding on
# changes. Installs whatever is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
source scripts/env.sh
exec trunk serve index.html --release --address 127.0.0.1 --port "${PORT:-8080}"

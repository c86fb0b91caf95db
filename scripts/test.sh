#!/usr/bin/env bash
# Runs every test: core and CLI (native), the app's component tests (wasm, headless Chromium),
# and the end-to-end suite (release build served on 127.0.0.1, driven in headless Chromium).
# Installs whatever is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
source scripts/env.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "native tests (core, cli)"
cargo test --locked -p pipelab-core -p pipelab

step "app component tests (wasm32, headless Chromium)"
# Not `-q`: cargo would pass --quiet to wasm-bindgen-test-runner, which rejects it.
(cd app && cargo test --locked --target wasm32-unknown-unknown)

step "release build"
trunk build index.html --release

step "end-to-end tests (headless Chromium)"
node --test --test-concurrency=1 tests/e2e/

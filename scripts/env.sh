# Sourced by the other scripts: puts the project's tools on PATH.
# wasm-opt comes from npm's binaryen; trunk and wasm-bindgen from `cargo install`.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Trunk would otherwise compare versions with the ones it downloads; it uses ours (see Trunk.toml).
export TRUNK_SKIP_VERSION_CHECK=true
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

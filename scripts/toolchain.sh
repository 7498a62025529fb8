#!/usr/bin/env bash
# Idempotent install of what the tests need, on a Debian 12 machine whose only network is
# crates.io, PyPI, Debian's packages and npm. Every step is skipped when already done, so
# a warm run costs about a second. Source it (". scripts/toolchain.sh") so PATH sticks.
# Traps (see ../shared/wasm-toolchain.md): Debian's wasm-opt (binaryen 108) breaks
# wasm-bindgen output, so wasm-opt comes from npm (binaryen@132); browsers are never
# downloaded, Debian's chromium is used.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '[toolchain %(%H:%M:%S)T] %s\n' -1 "$*"; }

# 1. The wasm32 target, for the core's no-std-IO build check and the wasm package.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli at exactly the version Cargo.lock pins (the CLI must match the crate).
if grep -q '^name = "wasm-bindgen"$' "$ROOT/Cargo.lock" 2>/dev/null; then
  WB_VERSION="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$ROOT/Cargo.lock")"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]; then
    say "cargo install wasm-bindgen-cli $WB_VERSION (3-5 min on 2 cores)"
    # --locked can fail: the CLI's own lockfile may name a crate version the registry
    # mirror lacks (seen: webpki-roots 1.0.11 for 0.2.130). Fall back to a fresh resolve.
    cargo install wasm-bindgen-cli --version "$WB_VERSION" --locked \
      || cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
  fi
fi

# 3. npm packages (binaryen's wasm-opt, playwright-core, JS graph libraries for benchmarks).
# Installed again when the lockfile's content changed (a stamp of its hash in node_modules),
# not when its mtime did: a fresh checkout or a git worktree has a new mtime, and an
# `npm ci` there through a shared node_modules would empty it under everyone else.
if [ -f "$ROOT/package.json" ]; then
  LOCK_HASH="$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
  if [ ! -d "$ROOT/node_modules" ] || [ "$(cat "$ROOT/node_modules/.flowguard-lock-sha256" 2>/dev/null)" != "$LOCK_HASH" ]; then
    say "npm ci"
    (cd "$ROOT" && npm ci --no-audit --no-fund)
    echo "$LOCK_HASH" > "$ROOT/node_modules/.flowguard-lock-sha256"
  fi
  export PATH="$ROOT/node_modules/.bin:$PATH"
fi

# 4. Debian's chromium and chromedriver, for wasm tests in a browser and the web demo.
if [ "${FLOWGUARD_NO_BROWSER:-0}" != 1 ] && ! { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }; then
  say "apt-get install chromium chromium-driver (about 1 min)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi
# 5. The openssl CLI, with which the deployer's network tests make a throwaway CA.
if ! command -v openssl >/dev/null 2>&1; then
  say "apt-get install openssl"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq openssl >/dev/null
fi
say "toolchain ready"

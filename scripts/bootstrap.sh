#!/usr/bin/env bash
# Installs everything `npm test` and `npm start` need on a fresh Debian machine,
# and does nothing (in about a second) when it is all present already.
#
# - Debian packages: the Emscripten toolchain (clang/lld/binaryen come with it),
#   wabt (wasm-objdump, to check for v128 instructions), cmake, clang's runtime
#   for sanitizers and libFuzzer, and the three browsers the browser suite runs.
# - npm dependencies, from package-lock.json, only when the lock file changed
#   since the last install; the same for each bundler app under
#   tests/bundlers/ (its own package-lock.json and node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  emscripten wabt cmake clang libclang-rt-14-dev
  chromium firefox-esr webkit2gtk-driver xvfb
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm ci only when package-lock.json differs from what was last installed.
stamp=node_modules/.bootstrap-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "bootstrap: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# The bundler apps (tests/bundlers/*/): each installs its pinned bundler from
# its own lock, into its own node_modules, so the root's stays free of them.
for lock in tests/bundlers/*/package-lock.json; do
  app=$(dirname "$lock")
  stamp="$app/node_modules/.bootstrap-lock-sha256"
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "bootstrap: installing the bundler of $app"
    npm ci --prefix "$app" --no-audit --no-fund --loglevel=error
    echo "$want" > "$stamp"
  fi
done

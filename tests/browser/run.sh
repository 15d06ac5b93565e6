#!/usr/bin/env bash
# run.sh — the browser suite as `npm test` runs it: Chromium, Firefox and
# WebKit in one `playwright test` run. WebKitGTK has no headless mode, so this
# starts its own Xvfb (on a display it picks with -displayfd, so it never
# collides with a desktop or another run) and stops it on exit. Exits non-zero
# if any test in any engine fails. Extra arguments go to `playwright test`
# (e.g. `--project=webkit`, a spec file, `-g name`).
set -euo pipefail
cd "$(dirname "$0")/../.."

for bin in Xvfb /usr/bin/chromium /usr/bin/firefox-esr /usr/bin/WebKitWebDriver; do
  command -v "$bin" >/dev/null || { echo "run.sh: $bin is missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }
done
[ -f dist/edgevec.wasm ] || echo "run.sh: warning: dist/edgevec.wasm is missing; run scripts/build.sh" >&2

rm -rf tests/browser/output
mkdir -p tests/browser/output

# -displayfd writes the display number once the server accepts connections,
# which also serves as the readiness signal.
displayfile=$(mktemp)
Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp 3>"$displayfile" 2>tests/browser/output/xvfb.log &
xvfb_pid=$!
cleanup() { kill "$xvfb_pid" 2>/dev/null || true; wait "$xvfb_pid" 2>/dev/null || true; rm -f "$displayfile"; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  [ -s "$displayfile" ] && break
  kill -0 "$xvfb_pid" 2>/dev/null || { echo "run.sh: Xvfb failed to start:" >&2; cat tests/browser/output/xvfb.log >&2; exit 1; }
  sleep 0.1
done
[ -s "$displayfile" ] || { echo "run.sh: Xvfb did not report a display" >&2; exit 1; }
export DISPLAY=":$(head -n1 "$displayfile")"

start=$(date +%s)
status=0
# Two phases (see ALONE in playwright.config.js): every spec but those that
# must run alone, two at a time; then those, one at a time. Either phase may
# find no test among those asked for.
npx playwright test -c tests/browser/playwright.config.js --pass-with-no-tests "$@" || status=$?
EDGEVEC_BROWSER_PHASE=alone npx playwright test -c tests/browser/playwright.config.js --pass-with-no-tests "$@" || status=$?
echo "browser suite: $(( $(date +%s) - start )) s, exit $status (screenshots in tests/browser/output/)"
exit "$status"

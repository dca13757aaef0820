#!/usr/bin/env bash
# Runs the browser end-to-end tests: headless Debian Chromium (/usr/bin/chromium) driven by
# playwright-core against the fat jar. Assumes target/roomcast.jar is built (mvn package) and chromium
# is installed (apt-get install chromium). Exits non-zero when a test fails.
# ROOMCAST_JAR picks another jar; screenshots and server logs go to e2e/artifacts/.
set -euo pipefail
cd "$(dirname "$0")"

jar="${ROOMCAST_JAR:-../target/roomcast.jar}"
if [ ! -f "$jar" ]; then
  echo "e2e: $jar not found; build it first with: mvn -B package -DskipTests" >&2
  exit 1
fi
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "e2e: ${CHROMIUM:-/usr/bin/chromium} not found; install it with: apt-get install -y chromium" >&2
  exit 1
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/sockjs-client ]; then
  npm ci --no-audit --no-fund
fi

rm -rf artifacts
mkdir -p artifacts
# One test file at a time: each starts its own server and browser.
exec node --test --test-concurrency=1 --test-reporter=spec tests/*.test.js

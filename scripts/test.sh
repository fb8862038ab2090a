#!/usr/bin/env bash
# `npm test`: the whole suite — types, lint, unit and PostgreSQL integration tests (vitest),
# a production build, and the browser tests (Playwright in Debian's Chromium).
# Uses the PostgreSQL server of DATABASE_URL when set (a fresh database per run), otherwise an
# embedded PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

if [ ! -x "$CHROME_PATH" ] || ! command -v pdftotext >/dev/null; then
  echo "[test] Installing Debian's chromium and poppler-utils (pdftotext) …"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null
fi

mkdir -p reports
rm -f reports/vitest.json reports/playwright.json
status=0

echo "[test] Type check"
npx tsc --noEmit
echo "[test] Lint"
npx eslint .

echo "[test] Unit and integration tests"
npx vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json || status=1

echo "[test] Production build"
npx next build

echo "[test] Browser tests"
npx playwright test || status=1

node scripts/test-summary.mjs
exit $status

#!/usr/bin/env bash
# Runs a command with a supported Node.js: `bash scripts/node.sh [--at-least MAJOR] COMMAND …`.
# Node.js 20 reached its end of life in April 2026, and a security product must not run on it.
# When the machine's `node` is older than MAJOR (22 by default), Node.js $SEALPOST_NODE_VERSION
# is installed once from the npm registry (the official binaries, packaged as node-<os>-<arch>)
# into .tools/ beside the project and put first on PATH for the command and everything it starts.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${SEALPOST_NODE_VERSION:-24.22.3}"
need=22
if [ "${1:-}" = "--at-least" ]; then need="$2"; shift 2; fi

major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$major" -lt "$need" ]; then
  platform="$(node -p 'process.platform + "-" + process.arch' 2>/dev/null || echo linux-x64)"
  dir="$root/.tools/node-$version"
  bin="$dir/node_modules/node-$platform/bin"
  if [ ! -x "$bin/node" ]; then
    echo "[sealpost] Node.js $(node -v 2>/dev/null || echo '(none)') is older than $need: installing Node.js $version from the npm registry into .tools/ …" >&2
    npm install --no-audit --no-fund --no-save --loglevel=error --prefix "$dir" "node-$platform@$version" >&2
  fi
  export PATH="$bin:$PATH"
  echo "[sealpost] Using Node.js $("$bin/node" -v) from .tools/" >&2
fi
# Modules that must never reach a browser `import 'server-only'`; Next resolves it, plain Node (the
# tsx scripts, the benches, the gateway and job workers started by scripts/start.ts) through this hook.
export NODE_OPTIONS="--import=\"$root/scripts/server-only.mjs\"${NODE_OPTIONS:+ $NODE_OPTIONS}"
exec "$@"

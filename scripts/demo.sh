#!/usr/bin/env bash
# Seam's main job on the bundled example: installs what is needed, builds, shows what Seam reads in
# examples/ml-project (a conda environment.yml whose pip: section includes requirements.txt, which
# includes requirements-base.txt, and a pyproject.toml), the plan, and then writes the environment
# (flake.nix, seam.toml, .gitignore lines, seam-plan.txt) into a copy in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
npm run --silent build
node dist/cli.js inspect examples/ml-project "$@"
echo
echo "== seam plan: who installs what, on the cpu and the cuda target, and why"
node dist/cli.js plan examples/ml-project || true
out=$(mktemp -d "${TMPDIR:-/tmp}/seam-demo.XXXXXX")
cp -r examples/ml-project/. "$out/"
echo
echo "== seam convert $out (a copy: the example itself is never written to)"
node dist/cli.js convert "$out"
echo
echo "== the environment Seam wrote"
(cd "$out" && ls -1 flake.nix seam.toml seam-plan.txt .gitignore)
if command -v nix-instantiate >/dev/null 2>&1; then
  nix-instantiate --parse "$out/flake.nix" >/dev/null && echo "flake.nix parses (nix-instantiate --parse)"
fi
echo "Enter it with: cd $out && git init -q && git add -A && nix develop .#cuda   (or nix develop for cpu)"

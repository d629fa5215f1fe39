#!/usr/bin/env bash
# Seam's main job on the bundled example: installs what is needed, builds, and prints what Seam
# reads in examples/ml-project (a conda environment.yml whose pip: section includes
# requirements.txt, which includes requirements-base.txt, and a pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
npm run --silent build
node dist/cli.js inspect examples/ml-project "$@"
echo
echo "== seam plan: who installs what, on the cpu and the cuda target, and why"
node dist/cli.js plan examples/ml-project

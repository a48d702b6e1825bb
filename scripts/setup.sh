#!/usr/bin/env bash
# `npm run setup`: everything a fresh Debian machine with Node 20 needs to run specmorph's notebooks,
# tests and report: npm dependencies, Jupyter, the tslab kernel (this project's own tslab), the build.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

echo "[setup] npm dependencies"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
# Notebooks `import ... from 'specmorph'` as users do; inside this checkout that name is the checkout itself.
ln -sfn .. node_modules/specmorph

# Jupyter runs on Debian's python3 (/usr/bin/python3); a pyenv or venv python earlier on PATH is not used.
PY=/usr/bin/python3
if ! { [ -x "$PY" ] && "$PY" -c 'import nbclient, nbconvert, jupyter_client' 2>/dev/null; }; then
  echo "[setup] Jupyter from Debian"
  if command -v apt-get >/dev/null; then
    as_root apt-get update -q
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q python3-nbclient jupyter-nbconvert python3-ipython jupyter-notebook
  else
    python3 -m pip install --user nbclient nbconvert ipython notebook
    PY=$(command -v python3)
  fi
fi

echo "[setup] tslab kernel -> $(pwd)/node_modules/.bin/tslab"
node_modules/.bin/tslab install --python="$PY" --binary="$(pwd)/node_modules/.bin/tslab"

echo "[setup] build"
npm run build
echo "[setup] done. Next: npm start (report on the bundled corpus), npm test."

#!/usr/bin/env bash
# `npm run setup`: everything a fresh Debian machine with Node 20 needs to run specmorph's notebooks,
# tests and report: npm dependencies, Jupyter, the tslab kernel (this project's own tslab), the build.
# `npm run setup -- --user` registers the kernel for the current user only (~/.local/share/jupyter);
# the default is Jupyter's own: system-wide as root, per user otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

KERNEL_SCOPE=()
for arg in "$@"; do
  case "$arg" in
    --user) KERNEL_SCOPE=(--user) ;;
    --help|-h) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "[setup] unknown option $arg (only --user)" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

echo "[setup] npm dependencies"
# npm >= 11 lists every package whose install script it did not run (zeromq, tfjs-node); neither is
# needed (zeromq ships prebuilt binaries; tfjs-node is optional), so those lines are left out and the
# backend that will actually run is said once below.
npm_install() { if [ -f package-lock.json ]; then npm ci --no-audit --no-fund "$@"; else npm install --no-audit --no-fund "$@"; fi; }
npm_install 2> >(grep -v -e '^npm warn install-scripts' >&2)
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

node_modules/.bin/tslab install --python="$PY" --binary="$(pwd)/node_modules/.bin/tslab" "${KERNEL_SCOPE[@]}"
# Say where Jupyter will find the kernels (tslab registers 'tslab' and 'jslab').
"$PY" -c '
from jupyter_client.kernelspec import KernelSpecManager
specs = KernelSpecManager().find_kernel_specs()
for name in ("tslab", "jslab"):
    if name in specs:
        print("[setup] kernel " + name + " registered in " + specs[name])
'

echo "[setup] build"
npm run build --silent
# The kernel keeps freed memory from glibc instead of faulting fresh pages in for every new output
# (src/memory.ts MALLOC_PAD_ENV, docs/bench-w1.md).
KERNEL_DIR=$("$PY" -c 'from jupyter_client.kernelspec import KernelSpecManager; print(KernelSpecManager().find_kernel_specs()["tslab"])')
node -e "require('./dist/report/execute').padKernelSpec(process.argv[1]); console.log('[setup] kernel tslab env: ' + JSON.stringify(require(process.argv[1] + '/kernel.json').env))" "$KERNEL_DIR"
node -e "require('./dist/model/backend').initBackend().then((i) => { console.log('[setup] tfjs ' + require('./dist/model/backend').formatBackendInfo(i)); process.exit(0); })"
echo "[setup] done. Next: npm start (report on the bundled corpus), npm test."

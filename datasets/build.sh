#!/usr/bin/env bash
# Rebuilds datasets/corpus from Debian packages (deterministic; nothing is downloaded beyond apt).
# Usage: bash datasets/build.sh [--install] [--out DIR] [--extension [test|train] [--per-speaker N]]
#   --install    apt-get install the packages first (needs root and Debian's package lists).
#   --extension [test|train]  a larger set of one side of the split instead (datasets/README.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
PACKAGES=(
  # bona fide speech
  asterisk-core-sounds-en asterisk-core-sounds-en-wav asterisk-core-sounds-fr-wav
  asterisk-core-sounds-it-wav asterisk-core-sounds-ru-wav
  fillets-ng-data fillets-ng-data-cs fillets-ng-data-nl
  tuxpaint-stamps-default pocketsphinx-testdata
  # synthesisers, vocoders and tools
  espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts
  festvox-czech-dita festvox-czech-krb festvox-czech-machac
  codec2 sox libsox-fmt-base python3-numpy python3-scipy
)
if [[ "${1:-}" == "--install" ]]; then
  shift
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "build.sh: missing Debian packages: ${missing[*]} (run with --install as root)" >&2
  exit 1
fi
exec /usr/bin/python3 "$here/build.py" "$@"

#!/usr/bin/env bash
# Installs the Debian packages the project needs, only when they are missing:
#   dataset-fashion-mnist  the dataset, offline (/usr/share/datasets/fashion-mnist)
#   chromium               the browser for the browser tests and `make bench` (with --browser)
# Usage: scripts/install-system-deps.sh [--browser]
set -euo pipefail
packages=()
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || packages+=(dataset-fashion-mnist)
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null; then
  packages+=(chromium fonts-dejavu-core)
fi
[ ${#packages[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Not a Debian system: install ${packages[*]} yourself (the dataset can also be downloaded by Keras, see README)." >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${packages[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null

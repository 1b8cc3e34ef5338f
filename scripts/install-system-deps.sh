#!/usr/bin/env bash
# Installs the Debian packages the project needs, only when they are missing:
#   dataset-fashion-mnist  the dataset, offline (/usr/share/datasets/fashion-mnist)
#   chromium               the browser for the browser tests and `make bench` (with --browser),
#   fonts-nanum            with a Korean font, so the Korean pages' screenshots show Hangul
#   postgresql             the server binaries for the sweep tests (with --postgres); the tests
#                          start their own throw-away server as an unprivileged user. No system
#                          cluster is created: createcluster.conf says so before the install,
#                          unless that file already exists (then it is left as it is).
# Usage: scripts/install-system-deps.sh [--browser] [--postgres]
set -euo pipefail
browser=false
postgres=false
for flag in "$@"; do
  case "$flag" in
    --browser) browser=true ;;
    --postgres) postgres=true ;;
    *) echo "unknown option $flag (expected --browser or --postgres)" >&2; exit 2 ;;
  esac
done
packages=()
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || packages+=(dataset-fashion-mnist)
if $browser && ! command -v chromium >/dev/null; then
  packages+=(chromium fonts-dejavu-core)
fi
if $browser && [ ! -d /usr/share/fonts/truetype/nanum ]; then
  packages+=(fonts-nanum)
fi
if $postgres && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  packages+=(postgresql)
fi
[ ${#packages[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Not a Debian system: install ${packages[*]} yourself (the dataset can also be downloaded by Keras, see README)." >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [[ " ${packages[*]} " == *" postgresql "* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  $sudo mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
echo "Installing Debian packages: ${packages[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o Dpkg::Options::=--force-confold "${packages[@]}" >/dev/null

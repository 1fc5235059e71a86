#!/usr/bin/env bash
# Installs the Debian packages the build needs, when they are missing. Swift itself
# (6.x) must already be on PATH.
set -euo pipefail
packages=(liblua5.4-dev pkg-config libssl-dev libcurl4-openssl-dev libsqlite3-dev python3 python3-pip zookeeper prometheus-node-exporter stunnel4 openssl librdkafka-dev kcat lua5.4 lua-check time libxml2)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
# moto (a real AWS API implementation) and botocore serve the AWS tests on loopback.
if ! python3 -c "import moto, botocore, flask" 2>/dev/null; then
  echo "installing moto[server]" >&2
  python3 -m pip install --quiet "moto[server]" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "moto[server]"
fi

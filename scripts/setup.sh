#!/usr/bin/env bash
# Installs the Debian packages the build needs, when they are missing. Swift itself
# (6.x) must already be on PATH.
set -euo pipefail
packages=(liblua5.4-dev pkg-config libssl-dev libcurl4-openssl-dev python3)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y --no-install-recommends "${missing[@]}"

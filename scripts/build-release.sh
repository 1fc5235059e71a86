#!/usr/bin/env bash
# The one release build, for make build, make demo and every benchmark: the Swift runtime and
# Foundation are linked in (--static-swift-stdlib), so the process starts without loading and
# relocating them. A trivial run then starts in about the time of a Swift hello (x1.13 against
# x2.1 dynamically linked; BENCHMARKS.md, "Cold start"), for an 80 MB binary instead of 12 MB.
# Usage: bash scripts/build-release.sh PRODUCT [PACKAGE_DIR]
set -euo pipefail
product=$1
cd "${2:-$(dirname "$0")/..}"
swift build -c release --static-swift-stdlib --product "$product"

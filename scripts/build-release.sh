#!/usr/bin/env bash
# The one release build, for make build, make demo and every benchmark: the Swift runtime and
# Foundation are linked in (--static-swift-stdlib), so the process starts without loading and
# relocating them. A trivial run then starts in about the time of a Swift hello (x1.13 against
# x2.1 dynamically linked; BENCHMARKS.md, "Cold start"), for an 80 MB binary instead of 12 MB.
# Linked by lld with packed relative relocations (DT_RELR): the metadata of the runtime and
# Foundation linked in holds about 79,000 absolute pointers, which gold describes in 1.9 MB of RELA
# entries that ld.so reads at every start; RELR describes them in 15 KB, and a start takes 0.5 to
# 1 ms less (BENCHMARKS.md, "issue 9: cold start, the gap to 451fcc3"). It needs glibc 2.36; an
# older one refuses the binary by its GLIBC_ABI_DT_RELR version rather than loading it wrongly.
# Usage: bash scripts/build-release.sh PRODUCT [PACKAGE_DIR]
set -euo pipefail
product=$1
cd "${2:-$(dirname "$0")/..}"
swift build -c release --static-swift-stdlib -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs --product "$product"

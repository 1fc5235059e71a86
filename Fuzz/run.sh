#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets of Fuzz/ and runs each for FUZZ_SECONDS (default 60),
# from the committed corpus in Fuzz/Corpus/<target>. New inputs go to a scratch copy; a crash
# leaves its input in Fuzz/crashes/ and fails the run. Prints executions per target.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${FUZZ_SECONDS:-60}
targets=(prometheus-text connection-strings)
for target in "${targets[@]}"; do
  swift build -c release --product "fuzz-$target" -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld >/dev/null
done
mkdir -p crashes
status=0
for target in "${targets[@]}"; do
  work=$(mktemp -d)
  cp -r "Corpus/$target/." "$work/"
  log=$(mktemp)
  if ! ".build/release/fuzz-$target" -max_total_time="$seconds" -artifact_prefix="crashes/$target-" "$work" >"$log" 2>&1; then
    status=1
    echo "$target: CRASH, input in Fuzz/crashes/"
  fi
  runs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*' || echo 0)
  echo "$target: $runs executions in ${seconds}s, corpus $(ls "$work" | wc -l) inputs"
  rm -rf "$work" "$log"
done
exit $status

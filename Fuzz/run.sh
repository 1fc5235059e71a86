#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets of Fuzz/ and runs each for FUZZ_SECONDS (default 60),
# from the committed corpus in Fuzz/Corpus/<target>. New inputs go to a scratch copy; a crash
# leaves its input in Fuzz/crashes/ and fails the run. Prints executions per target.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${FUZZ_SECONDS:-60}
targets=(prometheus-text connection-strings kafka-codec jute-codec zookeeper-4lw aws-config sigv4 strict-json aws-xml alarm-events)
# FUZZ_TARGETS="sigv4 strict-json" runs only those.
if [ -n "${FUZZ_TARGETS:-}" ]; then read -r -a targets <<<"$FUZZ_TARGETS"; fi
for target in "${targets[@]}"; do
  swift build -c release --product "fuzz-$target" -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld >/dev/null
done
mkdir -p crashes
# Swift's own backtracer would take the crash signal before libFuzzer, and no input would be saved.
export SWIFT_BACKTRACE=enable=no
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

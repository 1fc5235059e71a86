# The two commands the README opens with: `make demo` and `make test`.
.PHONY: setup build demo test bench fuzz clean

RUNBOOK := .build/release/runbook

setup:
	@bash scripts/setup.sh

build: setup
	bash scripts/build-release.sh runbook

# The MSK runbooks against local AWS endpoints (moto, the MSK stand-in) on loopback.
demo: build
	bash scripts/demo.sh

# The Swift suites, then the runbooks' own tests (runbook test: stubs only, no network).
test: setup
	swift build --build-tests
	swift test --skip-build
	"$$(swift build --show-bin-path)/runbook" test runbooks

bench: setup
	bash Benchmarks/run.sh

# libFuzzer targets for the parsers of outside input (FUZZ_SECONDS per target, default 60).
fuzz: setup
	bash Fuzz/run.sh

clean:
	rm -rf .build demo-*.md

# The two commands the README opens with: `make demo` and `make test`.
.PHONY: setup build demo test bench clean

RUNBOOK := .build/release/runbook

setup:
	@bash scripts/setup.sh

build: setup
	swift build -c release --product runbook

# A tour on this machine: list, validate, dry-run with a review document, then run.
demo: build
	$(RUNBOOK) list
	$(RUNBOOK) validate
	$(RUNBOOK) run demo.hello --param target=orders --dry-run --report demo-review.md
	$(RUNBOOK) run demo.hello --param target=orders
	@echo "review document: demo-review.md"

test: setup
	swift build --build-tests
	swift test --skip-build

bench: setup
	bash Benchmarks/run.sh

clean:
	rm -rf .build demo-review.md

# p2psh: `make run` starts a node and its shell; `make test` runs every test.
SWIFT ?= swift
ARGS ?=

.PHONY: run test bench soak build deps test-deps bench-deps clean fuzz

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps test

build: deps
	$(SWIFT) build --product p2psh

run: build
	.build/debug/p2psh $(ARGS)

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

bench-deps:
	@scripts/install-deps bench

bench: deps bench-deps
	$(SWIFT) build -c release --product p2psh-bench
	$(SWIFT) build -c release --product p2psh
	.build/release/p2psh-bench $(ARGS)

# libFuzzer targets for the parsers of outside input (Fuzz/README.md): built into .build/fuzz,
# each run for FUZZ_SECONDS (0: no limit) and/or FUZZ_RUNS executions; fails if any crashes.
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
FUZZ_TARGETS ?=

fuzz: deps
	SWIFT=$(SWIFT) Fuzz/build
	SWIFT=$(SWIFT) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) Fuzz/run $(FUZZ_TARGETS)

# A minute of honest and hostile traffic against one p2psh process (not part of `make test`).
SOAK_SECONDS ?= 60
soak: deps
	$(SWIFT) build -c release --product p2psh-bench
	$(SWIFT) build -c release --product p2psh
	.build/release/p2psh-bench --soak $(SOAK_SECONDS)

clean:
	rm -rf .build

# p2psh: `make run` starts a node and its shell; `make test` runs every test.
SWIFT ?= swift
ARGS ?=

.PHONY: run test bench build deps test-deps bench-deps clean

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

clean:
	rm -rf .build

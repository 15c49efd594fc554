# p2psh: `make run` starts a node and its shell; `make test` runs every test.
SWIFT ?= swift
ARGS ?=

.PHONY: run test bench soak build deps test-deps bench-deps clean fuzz install install-files uninstall

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

# `make install` puts the release binary, the man page and the completion scripts where
# bash, zsh and fish look for them under PREFIX; DESTDIR stages them for a package.
# CONFIGURATION=debug installs the debug build (the tests do, to skip a release build).
PREFIX ?= /usr/local
DESTDIR ?=
CONFIGURATION ?= release
BINDIR = $(DESTDIR)$(PREFIX)/bin
MANDIR = $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR = $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

install: deps
	$(SWIFT) build -c $(CONFIGURATION) --product p2psh
	$(MAKE) install-files PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) CONFIGURATION=$(CONFIGURATION)

# What install places, from a build already made (the tests run it beside `swift test`).
install-files:
	install -d $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR)
	install -m 0755 .build/$(CONFIGURATION)/p2psh $(BINDIR)/p2psh
	install -m 0644 man/p2psh.1 $(MANDIR)/p2psh.1
	install -m 0644 completions/p2psh.bash $(BASHDIR)/p2psh
	install -m 0644 completions/p2psh.zsh $(ZSHDIR)/_p2psh
	install -m 0644 completions/p2psh.fish $(FISHDIR)/p2psh.fish

uninstall:
	rm -f $(BINDIR)/p2psh $(MANDIR)/p2psh.1 $(BASHDIR)/p2psh $(ZSHDIR)/_p2psh $(FISHDIR)/p2psh.fish

clean:
	rm -rf .build

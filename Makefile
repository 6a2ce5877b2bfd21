# The README's two commands: `make run` and `make test`. Each installs what it needs first.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RUN_PACKAGES := libedit-dev zlib1g-dev
TEST_PACKAGES := libedit-dev zlib1g-dev erlang-nox elixir

# Installs the Debian packages given in $(1) that are not there yet (one apt-get update, only when needed).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

.PHONY: run test bench build deps test-deps

deps:
	$(call apt_install,$(RUN_PACKAGES))

test-deps:
	$(call apt_install,$(TEST_PACKAGES))

# The Swift runtime linked in: kvsh starts in about half the time (no shared libraries to load).
# The benchmarks build with the same flags: with other flags, every module would be rebuilt.
RELEASE := -c release --static-swift-stdlib

build: deps
	$(SWIFT) build $(RELEASE) --product kvsh

run: build
	.build/release/kvsh --sname foo

# Suites that start nodes, port mappers and erl over real sockets run after the others, one
# test at a time: on a 2-core machine, dozens of child processes at once only test the machine.
NETWORK_SUITES := ClusterTests|EPMDTests|DistributionTests|InteropTests

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip '$(NETWORK_SUITES)'
	$(SWIFT) test --skip-build --no-parallel --filter '$(NETWORK_SUITES)'

bench: deps
	$(SWIFT) build $(RELEASE) --product kvsh
	$(SWIFT) build $(RELEASE) --product RuntimeBench
	$(SWIFT) build $(RELEASE) --product DistBench
	$(SWIFT) build $(RELEASE) --product CallBench
	$(SWIFT) build $(RELEASE) --product LoadGen
	Benchmarks/run-runtime-bench .build/release/RuntimeBench
	Benchmarks/run-dist-bench .build/release/kvsh .build/release/DistBench
	Benchmarks/run-call-bench .build/release/kvsh .build/release/CallBench
	Benchmarks/run-server-bench .build/release/kvsh .build/release/LoadGen

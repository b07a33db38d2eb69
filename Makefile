# The two commands (README.md): `make demo` and `make test`.
# Both install missing Debian packages first (scripts/install-deps.sh).

BUILD ?= build
SAN_BUILD ?= build-san
REL_BUILD ?= build-release

.PHONY: all deps build build-san build-release demo test bench fuzz clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD)
	ninja -C $(BUILD)

# Tests run on a sanitizer build (address, undefined).
build-san: deps
	@[ -f $(SAN_BUILD)/build.ninja ] || meson setup $(SAN_BUILD) -Db_sanitize=address,undefined
	ninja -C $(SAN_BUILD)

demo: build
	scripts/demo.sh $(BUILD)

test: build-san
	scripts/run-tests.sh $(SAN_BUILD)

# Benchmarks run on a release build of their own: -O3 and link-time
# optimisation (docs/benchmarks.md).
build-release: deps
	@[ -f $(REL_BUILD)/build.ninja ] || meson setup $(REL_BUILD) --buildtype=release -Db_lto=true
	ninja -C $(REL_BUILD)

# Wire benchmark (generator, dpdk-testpmd baseline, weir) and microbenchmarks
# (the worker path without a PMD among them), then HTTP proxying end to end
# (bench/http_e2e.py: HAProxy, NGINX, weir's L4 and http services; then the
# API gate's job, --job jwt); results in $(REL_BUILD)/bench-results.jsonl.
bench: build-release
	bench/run.sh $(REL_BUILD)

# Longer libFuzzer runs than the fuzz suite's 10 s: each target in turn for
# FUZZ_SECONDS (make fuzz FUZZ_SECONDS=600); needs clang (docs/testing.md).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = probe pkt config http body tcp_ep jwt

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do tests/fuzz/run.sh $$t $(FUZZ_SECONDS); done

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(REL_BUILD)

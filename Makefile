# The two commands (README.md): `make demo` and `make test`.
# Both install missing Debian packages first (scripts/install-deps.sh).

BUILD ?= build
SAN_BUILD ?= build-san

.PHONY: all deps build build-san demo test bench clean

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

# Wire benchmark (generator, dpdk-testpmd baseline, weir) and microbenchmarks,
# on the optimised build; results in $(BUILD)/bench-results.jsonl.
bench: build
	bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)

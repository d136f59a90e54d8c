# tgplay: `make run` sets up and opens the playground; `make test` sets up and runs every test.
SWIFT ?= swift
ARGS ?=
# Seconds per fuzz target: `make fuzz` (long runs) and the short pass `make test` ends with.
FUZZ_SECONDS ?= 300
FUZZ_SHORT_SECONDS ?= 10

.PHONY: setup build run test fuzz fuzz-build sanitize clean

setup:
	@bash scripts/setup.sh

build: setup
	@$(SWIFT) build -c release --product tgplay --quiet

run: build
	@.build/release/tgplay $(ARGS)

test: setup
	@$(SWIFT) build --quiet
	@$(SWIFT) test --disable-xctest
	@bash scripts/fuzz.sh build
	@bash scripts/fuzz.sh run $(FUZZ_SHORT_SECONDS)

# libFuzzer + AddressSanitizer targets (scripts/fuzz.sh), built into .build/fuzz, outside the normal build.
fuzz-build: setup
	@bash scripts/fuzz.sh build

fuzz: fuzz-build
	@bash scripts/fuzz.sh run $(FUZZ_SECONDS)

# The test suites under AddressSanitizer and ThreadSanitizer, each in its own build directory.
sanitize: setup
	@bash scripts/sanitize.sh

clean:
	@rm -rf .build

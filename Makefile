# tgplay: `make run` sets up and opens the playground; `make test` sets up and runs every test.
SWIFT ?= swift
ARGS ?=

.PHONY: setup build run test clean

setup:
	@bash scripts/setup.sh

build: setup
	@$(SWIFT) build -c release --product tgplay --quiet

run: build
	@.build/release/tgplay $(ARGS)

test: setup
	@$(SWIFT) build --quiet
	@$(SWIFT) test --disable-xctest

clean:
	@rm -rf .build

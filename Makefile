# The two commands at the top of README: `make site` and `make test`.
SWIFT ?= swift
KAASA_DEBUG := .build/debug/kaasa
KAASA_RELEASE := .build/release/kaasa
NOW ?=

.PHONY: deps build release site check test unit conformance conformance-release bench bench-history format format-check embed-theme clean

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build --product kaasa

# The binary to deploy: optimised, with the Swift runtime linked in, so it runs where Swift is not
# installed, starts without loading the runtime's libraries and calls into it directly.
release: deps
	$(SWIFT) build -c release --product kaasa --static-swift-stdlib

# Check and build the sample site in content/ into output/.
site: build
	$(KAASA_DEBUG) check
	$(KAASA_DEBUG) build $(if $(NOW),--now $(NOW))

check: build
	$(KAASA_DEBUG) check

# Unit and integration tests, then the conformance suite (real HTML, accessibility, feed and calendar checkers).
test: unit conformance

unit: deps
	$(SWIFT) test

# The debug binary is enough here: the suite checks what the build writes, not how fast.
conformance: build
	bash Tests/conformance/setup.sh
	KAASA=$(KAASA_DEBUG) bash Tests/conformance/run.sh

# The same suite against the binary deployments use; CI runs both.
conformance-release: release
	bash Tests/conformance/setup.sh
	KAASA=$(KAASA_RELEASE) bash Tests/conformance/run.sh

bench: deps
	bash Benchmarks/run.sh

# What reading plan history from git adds to a build of 10,000 plans with 50,000 commits.
bench-history: deps
	bash Benchmarks/history/run.sh

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests

format-check:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

embed-theme:
	scripts/embed-default-theme

clean:
	rm -rf .build output

# scalesim — common tasks. `make test` is what CI runs (see .ci/run).
GO ?= go
PKGS := ./...

.PHONY: all build test vet fmt-check bench demo fuzz clean

all: build test

build:
	$(GO) build -o bin/scalesim ./cmd/scalesim

# vet, formatting check, then every test (fidelity tests included).
test: vet fmt-check
	$(GO) test -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Kernel and model benchmarks (events/s, ns/event, allocations) and the
# end-to-end timing of the M/M/10 reference model against the floor loop.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./sim/ ./scenarios/simulate/
	./scripts/bench-e2e.sh

demo: build
	./bin/scalesim run

# A short fuzzing session of the scenario parser.
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 30s ./scenarios/

clean:
	rm -rf bin

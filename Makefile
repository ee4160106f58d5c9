# scalesim — common tasks. `make test` is what CI runs (see .ci/run).
GO ?= go
PKGS := ./...

.PHONY: all build test short vet fmt-check lint fma-check tidy-check race test-arm64 bench demo fuzz fuzz-structured snapshot figures clean

all: build test

build:
	$(GO) build -o bin/scalesim ./cmd/scalesim

# vet, formatting, staticcheck, no fused multiply-adds on arm64, go.mod
# and go.sum tidy, the race detector on what runs in parallel, every test
# (fidelity tests at full length), then the tests on arm64 under
# emulation when qemu-aarch64 is installed.
test: vet fmt-check lint fma-check tidy-check race
	$(GO) test -count=1 $(PKGS)
	@$(MAKE) --no-print-directory test-arm64

# Fast feedback while editing: fidelity replications, the long timeline,
# the simulated days of the autoscaler tests, the slowest hostile files,
# the slowest command-line cases and (on amd64) the eight slowest
# built-ins' golden reports are skipped.
# Measured with `time go test -short -count=1 ./...` with a warm build
# cache on an idle 2-core machine (nothing else running), after a warm-up
# run: 25.3, 25.3 and 23.0 s on 22ad58a (28.6 to 32.0 s on fbeb52e, 42.3 s
# before the test-loop steps). It is bound by CPU, about 48 s over the 2
# cores, and scenarios/simulate (12.5 s) ends last.
# Unchanged packages' results come from the test cache.
short:
	$(GO) test -short $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# staticcheck, pinned in go.mod as a tool (go get -tool ...@v0.8.2).
lint:
	$(GO) tool staticcheck $(PKGS)

# go.mod and go.sum must be as go mod tidy leaves them: -diff (Go 1.23 on)
# prints what tidy would change and fails, changing nothing.
tidy-check:
	$(GO) mod tidy -diff

# The same scenario and seed must give the same bytes on amd64 and arm64:
# no multiply-add in the project's code may be fused on arm64.
fma-check:
	./scripts/check-fma.sh

# On arm64, under qemu-aarch64 from Debian's qemu-user, what checks bytes
# written on amd64: the kernel, streams and distributions (sim, units,
# workloads), the golden reports and figures and the hostile scenarios'
# expected lines. (Emulation runs about 7 times slower; the rest of the
# suite checks no figure amd64 wrote: the determinism tests compare runs
# on one machine with each other, so amd64 runs them.) Skipped when
# qemu-aarch64 is not installed. The timeout is 30 minutes: a busy
# machine took over go test's default 10 for the emulated
# scenarios/simulate.
ARM64_RUN := Golden|Portable|Hostile
test-arm64:
	@if command -v qemu-aarch64 >/dev/null 2>&1; then \
		GOARCH=arm64 $(GO) test -short -count=1 -timeout 30m -exec qemu-aarch64 ./sim/ ./units/ ./workloads/ && \
		GOARCH=arm64 $(GO) test -short -count=1 -timeout 30m -exec qemu-aarch64 -run '$(ARM64_RUN)' ./scenarios/... ./plots/ ./cmd/...; \
	else \
		echo "test-arm64: skipped, qemu-aarch64 is not installed (apt-get install qemu-user)"; \
	fi

# The race detector on the tests that run simulations in goroutines: the
# batch runner (sweep points, comparison seeds), the comparison with itself
# and the determinism check (runs one after another and at once). Only the
# packages holding them are built with -race.
race:
	$(GO) test -race -short -count=1 -run 'ParallelIsSerial|Deterministic|SelfIsZero' ./scenarios/batch/ ./scenarios/analysis/ ./scenarios/simulate/

# Kernel and model benchmarks (events/s, ns/event, allocations) and the
# end-to-end timing of the M/M/10 reference model against the floor loop.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./sim/ ./scenarios/simulate/
	./scripts/bench-e2e.sh

demo: build
	./bin/scalesim run

# Fuzz the whole pipeline (parse, validate, estimate, run within small
# budgets, write the reports) for FUZZTIME; the seeds are the built-ins and
# scenarios/testdata/hostile. make fuzz FUZZTIME=10m for a long session.
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzPipeline$$' -fuzztime $(FUZZTIME) ./scenarios/

# Fuzz generated scenarios (scenarios/generate_test.go: every kind, call
# policy, fault, autoscaling, shapes and traces, extreme values) from fuzzed
# seeds, checking the invariants of scenarios/invariants_test.go on each
# run; one worker, to leave a core to others. A failing seed is kept in
# scenarios/testdata/fuzz/FuzzScenarios. make fuzz-structured FUZZTIME=10m.
fuzz-structured:
	$(GO) test -run '^$$' -fuzz '^FuzzScenarios$$' -fuzztime $(FUZZTIME) -parallel 1 ./scenarios/

# Every command's output on every built-in, to compare before and after a
# change: make snapshot DIR=/tmp/before, then diff -r.
snapshot:
	./scripts/snapshot.sh $(DIR)

# The gallery in docs/figures/: every figure the commands draw, on the
# built-ins (scripts/figures.sh says which command drew each); the README
# shows some. About a minute on 2 cores.
figures:
	./scripts/figures.sh

clean:
	rm -rf bin

# Thin wrapper over CMake presets so the usual commands work from the top level.
#   make          Release build into build/ (library, CLI, tests)
#   make test     build, then run every test
#   make bench    build, then run the benchmark suite into results/<host>-<date>/
#   make bench-quick  a subset of it, in about a minute
#   make bench-check     the CI performance gate against results/baseline/
#   make bench-baseline  re-measure that baseline (see README: when and why)
#   make asan     build and test under AddressSanitizer + UBSan (build-asan/)
#   make clang    build and test with clang, warnings as errors (build-clang/)
#   make neon     cross-build for AArch64 and run the kernel and training tests
#                 under qemu-aarch64 (build-neon/)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps bench-deps check-deps test bench bench-quick bench-check bench-baseline asan clang neon clean
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

all: deps build/CMakeCache.txt
	cmake --build --preset release -j $(JOBS)

deps:
	@scripts/install-deps.sh test

build/CMakeCache.txt:
	cmake --preset release

test: all
	ctest --preset release

bench-deps:
	@scripts/install-deps.sh bench

bench: bench-deps all
	bench/run.sh build

bench-quick: bench-deps all
	bench/run.sh build quick

check-deps:
	@scripts/install-deps.sh check

bench-check: check-deps all
	$(PYTHON) tools/bench_check.py check build

bench-baseline: check-deps all
	$(PYTHON) tools/bench_check.py baseline build

asan: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan

clang: deps
	@scripts/install-deps.sh ci
	cmake --preset clang
	cmake --build --preset clang -j $(JOBS)
	ctest --preset clang

neon:
	@scripts/install-deps.sh neon
	cmake --preset neon
	cmake --build --preset neon -j $(JOBS)
	ctest --preset neon

clean:
	rm -rf build build-asan build-clang build-neon

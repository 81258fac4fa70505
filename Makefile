# The two set-up commands (see README.md):
#   make run   builds what is missing and starts the gateway on the embedded store with conf/config.yaml
#   make test  installs what is missing (etcd, redis-server, chromium, node/npm, skopeo, umoci) and runs every unit,
#              integration and browser test and the JMH allocation guard (benchmarks/README.md), then the
#              container image's test
SHELL := /bin/bash
.DEFAULT_GOAL := help

JAVA_HOME := $(shell scripts/find-jdk.sh)
export JAVA_HOME
export PATH := $(JAVA_HOME)/bin:$(PATH)
MVN ?= mvn -B -ntp
VERSION := 0.1.0-SNAPSHOT
DIST := distribution/target/aisix-$(VERSION)
SOURCES := $(shell find pom.xml */pom.xml plugin-spi kernel plugins distribution/src conf -newer $(DIST)/lib/aisix-kernel-$(VERSION).jar -type f -not -path '*/target/*' 2>/dev/null | head -n1)

GUARD := java -cp benchmarks/target/benchmarks.jar io.aisix.bench.guard.AllocationGuard \
	--baseline benchmarks/baseline.json --work benchmarks/target/jmh-guard $(if $(INCLUDE),--include '$(INCLUDE)')

.PHONY: help run test build dist deps clean image image-test jmh-guard jmh-baseline

help:
	@echo "make run    build (if needed) and start the gateway: proxy :3000, admin 127.0.0.1:3001"
	@echo "make test   install etcd/redis/chromium/node/npm/skopeo/umoci if missing, then run all tests, the JMH allocation guard and the image test"
	@echo "make dist   build distribution/target/aisix-$(VERSION)[.tar.gz]"
	@echo "make image  build the container image as an OCI archive (no registry): $(DIST)-oci.tar"
	@echo "make jmh-guard     run the JMH allocation guard alone (INCLUDE=<regex> for some benchmarks)"
	@echo "make jmh-baseline  re-record benchmarks/baseline.json (INCLUDE=<regex> for some benchmarks)"

run: $(DIST)/bin/aisix
	$(DIST)/bin/aisix --config conf/config.yaml

$(DIST)/bin/aisix: $(if $(SOURCES),FORCE,)
	$(MVN) -q -DskipTests install

dist build:
	$(MVN) -DskipTests install

deps:
	scripts/install-deps.sh

test: deps
	$(MVN) install
	scripts/test-image.sh

# The image from scratch: jlink-ed runtime, the host's shared libraries, the distribution.
image: $(DIST)/bin/aisix
	scripts/build-image.sh

image-test: deps $(DIST)/bin/aisix
	scripts/test-image.sh

# The allocation guard that `make test` runs in the benchmarks module's verify phase, alone.
jmh-guard:
	$(MVN) -q -pl benchmarks -am -DskipTests package
	$(GUARD)

# Re-records the allocation baseline; commit it saying why it moved (benchmarks/README.md).
jmh-baseline:
	$(MVN) -q -pl benchmarks -am -DskipTests package
	$(GUARD) --record

clean:
	$(MVN) -q clean

.PHONY: FORCE
FORCE:

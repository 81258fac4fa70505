# The gateway on the official Eclipse Temurin 25 JRE image, for machines that reach a registry.
# Build the distribution first (make dist), then: docker build -t aisix:0.1.0-SNAPSHOT .
# Where no registry is reachable, `make image` builds an OCI archive from scratch instead
# (scripts/build-image.sh). Probes belong to the orchestrator, so there is no HEALTHCHECK:
# GET /livez and /readyz on the proxy port (docs/deployment.md).
FROM eclipse-temurin:25-jre

ARG VERSION=0.1.0-SNAPSHOT
RUN groupadd --system --gid 10001 aisix \
 && useradd --system --uid 10001 --gid aisix --home-dir /var/lib/aisix --no-create-home --shell /usr/sbin/nologin aisix \
 && mkdir -p /etc/aisix /var/lib/aisix \
 && chown aisix:aisix /var/lib/aisix

# the tarball's layout: bin/ conf/ lib/ plugins/ schemas/ aot/ (the start-up cache, docs/deployment.md section 1)
COPY distribution/target/aisix-${VERSION}/ /opt/aisix/
# replaced by mounting a folder with config.yaml (and resources) on /etc/aisix
COPY deploy/container/config.yaml /etc/aisix/config.yaml

USER 10001:10001
WORKDIR /var/lib/aisix
VOLUME /var/lib/aisix
EXPOSE 3000 3001
STOPSIGNAL SIGTERM
# exec form, and bin/aisix ends in `exec java`: the JVM is PID 1 and gets SIGTERM, drains, exits 0
ENTRYPOINT ["/opt/aisix/bin/aisix", "--config", "/etc/aisix/config.yaml"]
CMD ["run"]

# Lanyard in a container: `docker build -t lanyard:0.1.0 .`, used by deploy/kubernetes.
# The build stage compiles the release binaries; the runtime stage is a small Debian with
# bubblewrap (the job sandbox), git and CA certificates, running as a non-root user.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p lanyard -p lanyard-sandbox \
 && install -D -m 0755 target/release/lanyard /out/lanyard \
 && install -D -m 0755 target/release/lanyard-sandbox-exec /out/lanyard-sandbox-exec

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap ca-certificates git \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 65532 --user-group --home-dir /var/lib/lanyard --create-home lanyard
COPY --from=build /out/ /usr/local/bin/
USER 65532:65532
# Two glibc arenas: resident memory stays flat under jobs with large secrets (BENCHMARKS.md).
ENV HOME=/var/lib/lanyard LANYARD_DATA_DIR=/var/lib/lanyard MALLOC_ARENA_MAX=2
EXPOSE 8420
ENTRYPOINT ["/usr/local/bin/lanyard"]
CMD ["server", "--listen", "0.0.0.0:8420", "--no-profile"]

# Image of the app-token-action Docker container action (see action.yml).
#
# Two stages:
#   build  - compiles one static musl binary and leaves it, with a `post` symlink, in /out/.
#   final  - `FROM scratch` with only /out/ copied in: no shell, no libc, no CA files (the
#            WebPKI roots are compiled into the binary; extra CAs come from an input).
#
# The final stage takes everything from the stage named `build`, so the stage can be
# replaced by a directory holding out/app-token-action and out/post:
#   podman build --pull=never --build-context build=DIR -f Dockerfile .
# (this is how tests/container.rs, scripts/release-rehearsal and release.yml build the real
# final stage around the binaries of scripts/build-binaries, which runs this file's cross
# recipe on the build machine).
#
# No `# syntax=` line on purpose: it would pull the mutable docker/dockerfile:1 frontend
# image on every build; the frontend built into BuildKit already supports RUN --mount and
# the automatic platform ARGs used here.

# ---------------------------------------------------------------------------------------
# build: runs natively on the build machine ($BUILDPLATFORM) and cross-compiles for
# $TARGETARCH, so a multi-platform build (docker buildx build --platform
# linux/amd64,linux/arm64) needs no QEMU emulation.
#
# Why Alpine + clang + rust-lld: ring compiles C and assembly, so the builder needs a C
# compiler for the *target* architecture. Debian's musl-tools only provides musl-gcc for the
# host architecture. clang is a cross compiler for every target out of the box, and ring
# explicitly supports building for linux-musl targets other than x86_64 with clang and no
# target sysroot (ring 0.17 build.rs passes -nostdlibinc for them and needs no libc
# headers). For x86_64-unknown-linux-musl ring includes <string.h>/<stdint.h>, which
# Alpine's musl-dev provides. The link needs no C toolchain for the target either: Rust's
# musl targets ship their own crt objects and libc.a ("self-contained"), and rust-lld (part
# of every Rust toolchain) links them for any architecture. This is the recipe from ring's
# issue tracker (briansmith/ring#1414): CC=clang, AR=llvm-ar,
# RUSTFLAGS="-Clink-self-contained=yes -Clinker=rust-lld".
# Checked on the development machine (Debian 12, clang 14, Rust 1.95.0) with exactly these
# variables: both targets build and link (static x86-64 and AArch64 ELF, ring's C and
# assembly included; the x86-64 one runs). The stage itself cannot run there (no access to
# Docker Hub for the rust image); the final stage is built and run by tests/container.rs.
# ---------------------------------------------------------------------------------------
FROM --platform=$BUILDPLATFORM rust:1.95.0-alpine3.23 AS build

ARG TARGETARCH
# Fixed by the release workflow (the commit time) so that two builds give the same bytes.
ARG SOURCE_DATE_EPOCH=0

# busybox ash: fail a pipeline when any command in it fails.
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]

# Package versions are not pinned: Alpine removes superseded versions from its mirrors,
# so a pinned apk version breaks the build within weeks. The base image tag pins the
# Alpine release (3.23) and the Rust toolchain (1.95.0, same as the development machines).
# hadolint ignore=DL3018
RUN apk add --no-cache clang llvm musl-dev

WORKDIR /src
COPY Cargo.toml Cargo.lock ./
# The workspace's dev-only test kit: its manifest only, so cargo resolves the workspace;
# `cargo build --release` of the program never compiles it.
COPY testkit/Cargo.toml testkit/
COPY src/ src/

# Registry and target directory live in BuildKit cache mounts (kept between local builds,
# not in the image). The binary is copied out of the cache mount into /out/ in the same
# step. `post` is a relative symlink: the runner starts the post step with the entrypoint
# /post (action.yml post-entrypoint) and the program sees argv[0] = "/post"; the image keeps
# one copy of the binary.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    set -u; \
    case "$TARGETARCH" in \
      amd64) target=x86_64-unknown-linux-musl ;; \
      arm64) target=aarch64-unknown-linux-musl ;; \
      *) echo "unsupported TARGETARCH '$TARGETARCH' (amd64, arm64)" >&2; exit 1 ;; \
    esac; \
    rustup target add "$target"; \
    triple_env="$(echo "$target" | tr 'a-z-' 'A-Z_')"; \
    triple_cc="$(echo "$target" | tr '-' '_')"; \
    export "CC_${triple_cc}=clang" "AR_${triple_cc}=llvm-ar"; \
    # Path remapping keeps build paths out of the binary (see scripts/repro-check).
    export "CARGO_TARGET_${triple_env}_RUSTFLAGS=-Clink-self-contained=yes -Clinker=rust-lld --remap-path-prefix=/src=/build --remap-path-prefix=/usr/local/cargo=/cargo --remap-path-prefix=/src/target=/target"; \
    cargo build --locked --release --target "$target"; \
    mkdir -p /out; \
    cp "target/$target/release/app-token-action" /out/app-token-action; \
    ln -s app-token-action /out/post

# ---------------------------------------------------------------------------------------
# final: the binary and the post symlink, nothing else. Runs as root (no USER: the runner
# mounts the workspace and file-command files owned by its own user, and GitHub requires
# Docker actions to run as the default user) and without WORKDIR (the runner sets
# --workdir /github/workspace).
# ---------------------------------------------------------------------------------------
FROM scratch

ARG VERSION=0.1.0
LABEL org.opencontainers.image.source="https://github.com/app-token-action/app-token-action" \
      org.opencontainers.image.description="GitHub Action: create a short-lived GitHub App installation access token" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"

# Copies /out/app-token-action and the /out/post symlink (kept as a symlink) into /.
COPY --from=build /out/ /

ENTRYPOINT ["/app-token-action"]

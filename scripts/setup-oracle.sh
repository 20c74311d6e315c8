#!/usr/bin/env bash
# setup-oracle.sh DEST NPM_VERSION...
#
# Unpacks reference llama.cpp releases (the prebuilt CPU libraries that
# node-llama-cpp ships, and the headers of the exact sources they were built
# from) for the differential tests, one folder per release tag:
#   setup-oracle.sh .oracle 3.22.1 3.21.1   ->  .oracle/v0.5.0, .oracle/v0.4.0
#   cmake -DGGUF_MTP_ORACLE_DIR=.oracle/v0.5.0 -DGGUF_MTP_ORACLE_OLDER_DIRS=.oracle/v0.4.0 ...
# Each DEST/<tag> holds bins/ (libllama.v*.so, libggml*.so and the CPU
# backend variants), llama.cpp/ (include/, ggml/include/, src/llama-ext.h)
# and a file `release` with the tag. The npm versions are those of the
# release table (libgguf/src/compat/llama_releases.cpp). Steps already done
# are skipped, so running it again is cheap.
set -euo pipefail

die() { echo "setup-oracle: $*" >&2; exit 1; }

[[ $# -ge 2 ]] || die "usage: setup-oracle.sh DEST NPM_VERSION..."
for tool in npm tar git; do
    command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
mkdir -p "$1" || die "cannot create $1"
dest=$(cd "$1" && pwd)
shift
downloads=$dest/downloads
mkdir -p "$downloads"

# npm pack names a tarball after the package, its scope folded in:
# @node-llama-cpp/linux-x64@V -> node-llama-cpp-linux-x64-V.tgz.
tarball_of() { local spec=${1#@}; spec=${spec%@*}; echo "${spec//\//-}-${1##*@}.tgz"; }

# Unpacks npm package SPEC into $downloads/<tarball name>/ and prints that path.
unpacked_package() {
    local spec=$1 tgz unpacked
    tgz=$(tarball_of "$spec")
    if [[ ! -s "$downloads/$tgz" ]]; then
        (cd "$downloads" && npm pack --silent "$spec" >/dev/null 2>"$downloads/npm.log") \
            || die "npm pack $spec failed (see $downloads/npm.log)"
        [[ -s "$downloads/$tgz" ]] || die "npm pack $spec did not produce $tgz"
    fi
    unpacked="$downloads/${tgz%.tgz}"
    if [[ ! -d "$unpacked" ]]; then
        # Unpacked beside its final name and renamed, so an interrupted run
        # never leaves a half-extracted folder that a rerun would trust.
        rm -rf "$unpacked.tmp" && mkdir -p "$unpacked.tmp"
        tar -xzf "$downloads/$tgz" -C "$unpacked.tmp" --strip-components=1 || die "cannot extract $tgz"
        mv "$unpacked.tmp" "$unpacked"
    fi
    echo "$unpacked"
}

for version in "$@"; do
    sources=$(unpacked_package "node-llama-cpp@$version")
    binaries=$(unpacked_package "@node-llama-cpp/linux-x64@$version")
    tag=$(sed -n 's/^ *"tag": *"\([^"]*\)".*/\1/p' "$sources/llama/llama.cpp.info.json")
    [[ $tag =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "node-llama-cpp $version names no llama.cpp release tag (llama/llama.cpp.info.json)"
    release=$dest/$tag

    bins="$binaries/bins/linux-x64"
    compgen -G "$bins/libllama.v*.so" >/dev/null || die "no libllama.v*.so in $bins"
    mkdir -p "$release"
    ln -sfn "$bins" "$release/bins"

    bundle="$sources/llama/gitRelease.bundle"
    [[ -f "$bundle" ]] || die "no llama/gitRelease.bundle in node-llama-cpp $version"
    headers=(include ggml/include src/llama-ext.h)
    if [[ ! -f "$release/llama.cpp/include/llama.h" || ! -f "$release/llama.cpp/src/llama-ext.h" ]]; then
        rm -rf "$release/llama.cpp.tmp"
        git clone --quiet --no-checkout "$bundle" "$release/llama.cpp.tmp" 2>"$downloads/git.log" \
            || die "git clone of $bundle failed (see $downloads/git.log)"
        # Only headers are needed: a sparse checkout keeps the tree small.
        git -C "$release/llama.cpp.tmp" sparse-checkout set --no-cone "${headers[@]/#//}" 2>>"$downloads/git.log" \
            || die "git sparse-checkout failed (see $downloads/git.log)"
        git -C "$release/llama.cpp.tmp" checkout --quiet 2>>"$downloads/git.log" \
            || die "git checkout failed (see $downloads/git.log)"
        [[ -f "$release/llama.cpp.tmp/include/llama.h" && -f "$release/llama.cpp.tmp/ggml/include/ggml-backend.h" \
            && -f "$release/llama.cpp.tmp/src/llama-ext.h" ]] || die "the bundle of $version lacks the expected headers"
        rm -rf "$release/llama.cpp"
        mv "$release/llama.cpp.tmp" "$release/llama.cpp"
    fi
    echo "$tag" >"$release/release"
    echo "setup-oracle: llama.cpp $tag (node-llama-cpp $version) in $release"
done

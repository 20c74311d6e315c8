#!/usr/bin/env bash
# setup-oracle.sh DEST
#
# Unpacks the reference llama.cpp (the prebuilt CPU libraries that
# node-llama-cpp ships, and the headers of the exact sources they were built
# from) into DEST, for the differential tests:
#   cmake -DGGUF_MTP_ORACLE_DIR=DEST ...
# Afterwards DEST/bins holds libllama.v*.so, libggml*.so and the CPU backend
# variants, and DEST/llama.cpp holds include/, ggml/include/ and
# src/llama-ext.h. Steps already done are skipped, so running it again is cheap.
set -euo pipefail

version=3.21.1
packages=("@node-llama-cpp/linux-x64@$version" "node-llama-cpp@$version")

die() { echo "setup-oracle: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: setup-oracle.sh DEST"
for tool in npm tar git; do
    command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
mkdir -p "$1" || die "cannot create $1"
dest=$(cd "$1" && pwd)

# npm pack names a tarball after the package, its scope folded in:
# @node-llama-cpp/linux-x64@V -> node-llama-cpp-linux-x64-V.tgz.
tarball_of() { local spec=${1#@}; spec=${spec%@*}; echo "${spec//\//-}-$version.tgz"; }

mkdir -p "$dest/downloads" "$dest/npm"
for pkg in "${packages[@]}"; do
    tgz=$(tarball_of "$pkg")
    if [[ ! -s "$dest/downloads/$tgz" ]]; then
        (cd "$dest/downloads" && npm pack --silent "$pkg" >/dev/null 2>"$dest/downloads/npm.log") \
            || die "npm pack $pkg failed (see $dest/downloads/npm.log)"
        [[ -s "$dest/downloads/$tgz" ]] || die "npm pack $pkg did not produce $tgz"
    fi
    unpacked="$dest/npm/${tgz%.tgz}"
    if [[ ! -d "$unpacked" ]]; then
        # Unpacked beside its final name and renamed, so an interrupted run
        # never leaves a half-extracted folder that a rerun would trust.
        rm -rf "$unpacked.tmp" && mkdir -p "$unpacked.tmp"
        tar -xzf "$dest/downloads/$tgz" -C "$unpacked.tmp" --strip-components=1 || die "cannot extract $tgz"
        mv "$unpacked.tmp" "$unpacked"
    fi
done

bins="$dest/npm/$(tarball_of "${packages[0]}")"; bins="${bins%.tgz}/bins/linux-x64"
compgen -G "$bins/libllama.v*.so" >/dev/null || die "no libllama.v*.so in $bins"
ln -sfn "$bins" "$dest/bins"

bundle="$dest/npm/$(tarball_of "${packages[1]}")"; bundle="${bundle%.tgz}/llama/gitRelease.bundle"
[[ -f "$bundle" ]] || die "no llama/gitRelease.bundle in node-llama-cpp $version"
headers=(include ggml/include src/llama-ext.h)
if [[ ! -f "$dest/llama.cpp/include/llama.h" || ! -f "$dest/llama.cpp/src/llama-ext.h" ]]; then
    rm -rf "$dest/llama.cpp.tmp"
    git clone --quiet --no-checkout "$bundle" "$dest/llama.cpp.tmp" 2>"$dest/downloads/git.log" \
        || die "git clone of $bundle failed (see $dest/downloads/git.log)"
    # Only headers are needed: a sparse checkout keeps the tree small.
    git -C "$dest/llama.cpp.tmp" sparse-checkout set --no-cone "${headers[@]/#//}" 2>>"$dest/downloads/git.log" \
        || die "git sparse-checkout failed (see $dest/downloads/git.log)"
    git -C "$dest/llama.cpp.tmp" checkout --quiet 2>>"$dest/downloads/git.log" \
        || die "git checkout failed (see $dest/downloads/git.log)"
    [[ -f "$dest/llama.cpp.tmp/include/llama.h" && -f "$dest/llama.cpp.tmp/ggml/include/ggml-backend.h" \
        && -f "$dest/llama.cpp.tmp/src/llama-ext.h" ]] || die "the bundle lacks the expected headers"
    rm -rf "$dest/llama.cpp"
    mv "$dest/llama.cpp.tmp" "$dest/llama.cpp"
fi

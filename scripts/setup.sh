#!/usr/bin/env bash
# Installs what gguf-mtp and its test suite need on Debian 12 (run as root)
# and builds what the README's first command runs: the gguf-mtp command, its
# library and the sample models (build/testdata/fixtures/). scripts/test.sh
# builds the rest (tests, oracle programs, benchmarks, the instrumented tree).
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libzstd-dev zstd libcli11-dev libxxhash-dev libcurl4-openssl-dev
  scdoc man-db
  jq parallel nginx-light
  # mtp_batch.slurm starts a Slurm cluster of its own from these (3.5 MB to
  # fetch, 13 MiB, about 15 s); the test skips without them.
  slurm-wlm munge
  glslc libvulkan-dev mesa-vulkan-drivers vulkan-tools
  clang-16 libclang-rt-16-dev llvm-16
)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Ninja compiles the tests while the library's last batches still compile
# (make waits for the whole library first): on 2 cores, a shorter fresh
# build. A tree configured before keeps its generator.
export CMAKE_GENERATOR=${CMAKE_GENERATOR:-Ninja}
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)" --target gguf-mtp gguf-mtp-fixtures-data
echo "setup: built build/apps/gguf-mtp/gguf-mtp; sample models in build/testdata/fixtures/"

#!/usr/bin/env bash
# Installs what gguf-mtp needs on Debian 12 (run as root), fetches the
# reference oracle (llama.cpp's prebuilt libraries, for the differential
# tests), and builds everything into build/. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config git ca-certificates
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libzstd-dev zstd libcli11-dev libxxhash-dev
  scdoc man-db
  jq parallel
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

bash scripts/setup-oracle.sh .oracle

cmake -S . -B build -DGGUF_MTP_ORACLE_DIR="$PWD/.oracle" >/dev/null
cmake --build build -j"$(nproc)"
echo "setup: built build/apps/gguf-mtp/gguf-mtp; sample models in build/testdata/fixtures/"

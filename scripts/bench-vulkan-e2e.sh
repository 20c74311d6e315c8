#!/usr/bin/env bash
# The whole quantize command on the Vulkan device against the time the same
# job's I/O alone takes: a model shaped like the glm4moe-wide fixture at
# SIZE_MIB of F16 with an imatrix, held in the page cache, quantized to each
# preset with --device vulkan and on the CPU (all threads). The I/O reference
# reads the input once and writes and syncs as many bytes as the GPU's
# output holds (quantize syncs its output before the rename too). "gpu/io"
# is the share of the GPU run that the I/O alone would take: 100 % means the
# device costs nothing beyond moving the bytes. Also prints the CPU run and
# whether the two outputs are identical. Each time is the best of REPS runs.
# "open" and "compute" come from one more GPU run's --verbose line: how long
# the driver took to open the device (the CPU quantizes meanwhile) and how
# long the device computed, the two parts of "gpu" that do not move bytes.
#
#   scripts/bench-vulkan-e2e.sh [SIZE_MIB] [PRESETS] [REPS] [BUILD_DIR]
#   (defaults: 1024 "Q8_0 Q4_K_M IQ4_XS IQ2_XXS" 3 build)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}
presets=${2:-"Q8_0 Q4_K_M IQ4_XS IQ2_XXS"}
reps=${3:-3}
build=${4:-build}
export GGUF_MTP_BIN=${GGUF_MTP_BIN:-$build/apps/gguf-mtp/gguf-mtp}
export GGUF_MTP_SYNTHETIC=${GGUF_MTP_SYNTHETIC:-$build/bench/gguf-mtp-synthetic}
source scripts/bench-common.sh
scaled=$build/bench/gguf-mtp-scaled-model
like=$build/testdata/fixtures/glm4moe-wide-bundled.gguf
[ -x "$scaled" ] && [ -f "$like" ] || { echo "build first: cmake --build $build (needs $scaled and $like)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/gguf-mtp-bench-vulkan-e2e.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$scaled" "$like" "$work/model.gguf" "$size" F16 --imatrix "$work/model.imatrix" >/dev/null
cat "$work/model.gguf" >/dev/null  # into the page cache, where every run finds it

# io_reference BYTES: read the model, write and sync BYTES
io_reference() {
  cat "$work/model.gguf" >/dev/null
  head -c "$1" /dev/zero >"$work/io.bin"
  sync "$work/io.bin"
}
export -f io_reference
export work

echo "model: $size MiB F16 shaped like $(basename "$like"), in the page cache; $(nproc) CPU threads"
printf "%-8s %9s %9s %7s %7s %8s   %9s %7s   %s\n" preset io gpu gpu/io open compute cpu gpu-x identical
for preset in $presets; do
  quantize=("$bin" quantize --imatrix "$work/model.imatrix" "$work/model.gguf")
  best_of "$reps" 'rm -f "$work/gpu.gguf"*' "${quantize[@]}" --device vulkan "$work/gpu.gguf" "$preset"
  gpu=$seconds
  rm -f "$work/gpu.gguf"*
  verbose=$("${quantize[@]}" --device vulkan --verbose "$work/gpu.gguf" "$preset" 2>&1 >/dev/null | grep "the device opened in" || true)
  open=$(sed -n 's/.*the device opened in \([0-9.]*\) s.*/\1/p' <<<"$verbose")
  compute=$(sed -n 's/.*computing \([0-9.]*\) s.*/\1/p' <<<"$verbose")
  best_of "$reps" 'rm -f "$work/cpu.gguf"*' "${quantize[@]}" "$work/cpu.gguf" "$preset"
  cpu=$seconds
  bytes=$(stat -c %s "$work/gpu.gguf")
  best_of "$reps" 'rm -f "$work/io.bin"' bash -c "io_reference $bytes"
  io=$seconds
  same=no
  cmp -s "$work/gpu.gguf" "$work/cpu.gguf" && same=yes
  awk -v p="$preset" -v io="$io" -v g="$gpu" -v o="${open:-?}" -v k="${compute:-?}" -v c="$cpu" -v same="$same" \
    'BEGIN { printf "%-8s %8.2fs %8.2fs %6.0f%% %6ss %7ss   %8.2fs %6.2fx   %s\n", p, io, g, (g > 0 ? 100 * io / g : 0), o, k, c, (g > 0 ? c / g : 0), same }'
  rm -f "$work/gpu.gguf"* "$work/cpu.gguf"* "$work/io.bin"
done

#!/usr/bin/env bash
# llama.cpp's own llama-bench (its Vulkan backend) on a checkpoint QwenVk benches, in the formats QwenVk runs: F16, and
# Q8_0 / Q4_0 made with `llama-quantize --pure` (Q4_0 with q8_0 embeddings and output), which are block for block what
# `--quant q8_0|q4_0` makes (tests/QwenVk.Tests/Quantization). For tools/gpu-check.sh: the peer on the same card.
#
#   tools/peer-bench.sh MODEL_DIR OUT_PREFIX [PP] [TG] [REPS]     defaults: 512 128 3
#
# Writes OUT_PREFIX-TYPE.json (llama-bench's JSON) and OUT_PREFIX-TYPE.log (its stderr: the Vulkan device line says
# whether llama.cpp uses cooperative matrices, "matrix cores: KHR_coopmat" / "NV_coopmat2" / "none").
# Needs .peer/ (or PEER_DIR) as ../shared/tools/llama-cpp/stage-for-device.sh makes it (llama-vulkan.tar.xz,
# hf_to_gguf.py) and python3 with numpy. PEER_TYPES="f16 q8_0 q4_0" picks the formats. A model folder without
# tokenizer.json (random checkpoints) gets Qwen2.5's, which the converter needs, from tests/fixtures.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEER=${PEER_DIR:-$HERE/.peer}
M=${1:?usage: peer-bench.sh MODEL_DIR OUT_PREFIX [PP] [TG] [REPS]}; M=${M%/}
OUTP=${2:?usage: peer-bench.sh MODEL_DIR OUT_PREFIX [PP] [TG] [REPS]}
PP=${3:-512}; TG=${4:-128}; REPS=${5:-3}
if [ ! -f "$PEER/llama-vulkan.tar.xz" ] || [ ! -f "$PEER/hf_to_gguf.py" ]; then
  echo "peer-bench: no llama.cpp in $PEER (run ../shared/tools/llama-cpp/stage-for-device.sh); skipped" >&2; exit 2
fi
L=${LLAMA_CPP_DIR:-/tmp/qwenvk-peer}
[ -x "$L/llama-vulkan/llama-bench" ] || { mkdir -p "$L" && tar -xJf "$PEER/llama-vulkan.tar.xz" -C "$L"; } || exit 1
B=$L/llama-vulkan
if [ ! -f "$M/tokenizer.json" ]; then
  zcat "$HERE/tests/fixtures/qwen-tokenizer/qwen2_5-tokenizer.json.gz" > "$M/tokenizer.json"
  cp "$HERE/tests/fixtures/qwen-tokenizer/qwen2_5-tokenizer_config.json" "$M/tokenizer_config.json"
fi
PY=python3; [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy' 2>/dev/null && PY=/usr/bin/python3
[ -f "$M.f16.gguf" ] || "$PY" "$PEER/hf_to_gguf.py" "$M" "$M.f16.gguf" >&2 || exit 1
export GGML_VK_VISIBLE_DEVICES=${GGML_VK_VISIBLE_DEVICES:-0}
for q in ${PEER_TYPES:-f16 q8_0 q4_0}; do
  G=$M.$q.gguf
  case $q in
    f16) ;;
    q8_0) [ -f "$G" ] || "$B/llama-quantize" --pure "$M.f16.gguf" "$G" Q8_0 "$(nproc)" > "$OUTP-$q.quantize.log" 2>&1 ;;
    q4_0) [ -f "$G" ] || "$B/llama-quantize" --pure --token-embedding-type q8_0 --output-tensor-type q8_0 "$M.f16.gguf" "$G" Q4_0 "$(nproc)" > "$OUTP-$q.quantize.log" 2>&1 ;;
    *) echo "peer-bench: unknown type $q (f16, q8_0, q4_0)" >&2; continue ;;
  esac
  "$B/llama-bench" -m "$G" -p "$PP" -n "$TG" -r "$REPS" -ngl 99 -o json > "$OUTP-$q.json" 2> "$OUTP-$q.log"
done

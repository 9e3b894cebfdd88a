#!/usr/bin/env bash
# On a Linux machine with an NVIDIA/AMD/Intel GPU: build (or take a prebuilt qwenvk), run the kernel checks and the
# test suite on the real Vulkan driver, benchmark 0.5B- and 7B-shaped random checkpoints and every kernel, and print
# a short table. Full JSON goes to OUT_DIR.
#
#   tools/gpu-check.sh [OUT_DIR]                      (default: artifacts/gpu-check)
#   QWENVK_BIN=/path/to/qwenvk tools/gpu-check.sh     use a self-contained publish (machines without the .NET SDK)
#   SKIP_TESTS=1 SKIP_7B=1                            skip the xunit suite / the 7B-shaped model
#
# Publish for a machine without .NET (18 MB; the 64 MiB a device run carries):
#   dotnet publish src/QwenVk.Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true \
#     -p:PublishTrimmed=true -p:TrimMode=partial -p:EnableCompressionInSingleFile=true \
#     -p:TreatWarningsAsErrors=false -p:JsonSerializerIsReflectionEnabledByDefault=true -o artifacts/publish
# The last two: the CLI prints JSON from anonymous types through reflection, which the trim analyzer warns about
# (errors under this repository's warnings-as-errors); TrimMode=partial keeps the CLI's own assemblies whole, so it
# works once System.Text.Json's reflection is switched back on (checked: devices/bench/kernels --json, kernels test).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$HERE/artifacts/gpu-check}
mkdir -p "$OUT"
QV=${QWENVK_BIN:-$HERE/qwenvk}
MODELS=${MODELS_DIR:-$OUT/models}
# Do not let a CPU driver win by accident: the check is about the GPU's own driver.
export QWENVK_DEVICE=${QWENVK_DEVICE:-}

echo "== devices"; "$QV" devices | tee "$OUT/devices.txt"
"$QV" devices --json > "$OUT/devices.json"

echo "== kernel checks (CPU reference, NMSE)"
"$QV" kernels test | tee "$OUT/kernels-test.txt"; KT=${PIPESTATUS[0]}

if [ -z "${SKIP_TESTS:-}" ] && command -v dotnet >/dev/null; then
  echo "== xunit suite on this driver"
  (cd "$HERE" && dotnet test QwenVk.sln -c Release) > "$OUT/tests.txt" 2>&1; TS=$?
  tail -3 "$OUT/tests.txt"
else
  TS="skipped"
fi

echo "== kernel benchmarks"
"$QV" kernels bench --preset all --json > "$OUT/kernels-bench.json" && "$QV" kernels bench --preset all | tee "$OUT/kernels-bench.txt"

bench_model() { # name, make-model args...
  local name=$1; shift
  [ -f "$MODELS/$name/config.json" ] || "$QV" make-model --out "$MODELS/$name" --dtype f16 "$@" >&2
  "$QV" bench -m "$MODELS/$name" -p 512 -n 128 -r 3 --json > "$OUT/bench-$name.json"
}
echo "== model benchmarks"
bench_model qwen2.5-0.5b-shape --preset qwen2.5-0.5b
[ -z "${SKIP_7B:-}" ] && bench_model qwen2.5-7b-shape --arch qwen2 --hidden 3584 --intermediate 18944 --layers 28 \
  --heads 28 --kv-heads 4 --vocab 152064 --tie false

echo
echo "== summary ($(date -u +%F))"
printf '%-22s %s\n' "kernel checks" "$([ "$KT" = 0 ] && echo passed || echo FAILED)" "xunit suite" "$([ "$TS" = 0 ] && echo passed || echo "$TS")"
for f in "$OUT"/bench-*.json; do
  python3 - "$f" <<'PY' 2>/dev/null || grep -E '"(pp|tg)_tok_s"' "$f"
import json, sys
d = json.load(open(sys.argv[1]))
print(f"{sys.argv[1].split('bench-')[1][:-5]:22} pp{d['n_prompt']} {d['pp_tok_s']:.1f} tok/s   tg{d['n_gen']} {d['tg_tok_s']:.1f} tok/s   ({d['device']})")
PY
done
echo "full results in $OUT"

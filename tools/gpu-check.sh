#!/usr/bin/env bash
# On a Linux machine with an NVIDIA/AMD/Intel GPU: build (or take a prebuilt qwenvk), run the kernel checks and the
# test suite on the real Vulkan driver, benchmark 0.5B-, 7B- and Qwen3-0.6B-shaped random checkpoints and every kernel, and print
# a short table. Full JSON goes to OUT_DIR.
#
#   tools/gpu-check.sh [OUT_DIR]                      (default: artifacts/gpu-check)
#   QWENVK_BIN=/path/to/qwenvk tools/gpu-check.sh     use a self-contained publish (machines without the .NET SDK)
#   SKIP_TESTS=1 SKIP_7B=1 SKIP_QWEN3=1               skip the xunit suite / the 7B- / Qwen3-0.6B-shaped model
#   VALIDATION=1                                      also run the kernel checks under VK_LAYER_KHRONOS_validation
#   SWEEP=all | "RPS:WG ..."                          time the decode products at other matvec geometries
#                                                     (QWENVK_MATVEC_RPS:QWENVK_MATVEC_WG; all: 1,2,4 x 64,128,256)
#                                                     and bench the models again with the fastest, marked -tuned
#   STEP_TIMEOUT=300                                  seconds any one step may take (a hung driver fails that step)
#   QUANTS="q8_0 q4_0"                                the quantized benches of each model (-q8_0, -q4_0); QUANTS= skips them
#   PEER=0                                            skip llama.cpp's llama-bench on the same checkpoints (tools/peer-bench.sh;
#                                                     needs .peer/ from ../shared/tools/llama-cpp/stage-for-device.sh)
#   PEER_TIMEOUT=600                                  seconds for one model's peer run (GGUF conversion included)
# Also timed, for rules not yet measured on a GPU: the models without flash decoding (-unsplit) and with split-K
# decode products (-splitk), and the decode products with split K (kernels-bench-splitk); and a first run of the
# 0.5B shape with the pipeline cache cold, then warm (first-run-*), the drivers' own shader disk caches off.
#
# The peer beside each model (llama.cpp's llama-bench, Vulkan, F16 and the same q8_0/q4_0 blocks) needs .peer/:
#   ../shared/tools/llama-cpp/stage-for-device.sh      (then name .peer in the device run's carry)
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
T="timeout ${STEP_TIMEOUT:-300}"

echo "== devices"; $T "$QV" devices | tee "$OUT/devices.txt"
$T "$QV" devices --json > "$OUT/devices.json"

echo "== kernel checks (CPU reference, NMSE)"
$T "$QV" kernels test | tee "$OUT/kernels-test.txt"; KT=${PIPESTATUS[0]}
KV="skipped"
if [ -n "${VALIDATION:-}" ]; then
  echo "== kernel checks under the validation layer"
  $T "$QV" kernels test --validation > "$OUT/kernels-test-validation.txt" 2>&1; KV=$?
  tail -2 "$OUT/kernels-test-validation.txt"
fi

if [ -z "${SKIP_TESTS:-}" ] && command -v dotnet >/dev/null; then
  echo "== xunit suite on this driver"
  (cd "$HERE" && dotnet test QwenVk.sln -c Release) > "$OUT/tests.txt" 2>&1; TS=$?
  tail -3 "$OUT/tests.txt"
else
  TS="skipped"
fi

echo "== kernel benchmarks"
# One run: with --json the table goes to stderr while it runs, the object to stdout.
$T "$QV" kernels bench --preset all --target-ms ${KERNEL_TARGET_MS:-300} --json 2>&1 >"$OUT/kernels-bench.json" | tee "$OUT/kernels-bench.txt"
echo "== decode products with split K (QWENVK_MATVEC_SPLITK=1, off by default until timed here)"
QWENVK_MATVEC_SPLITK=1 $T "$QV" kernels bench --preset all --filter decode/matvec --target-ms 200 --json 2>&1 \
  >"$OUT/kernels-bench-splitk.json" | tee "$OUT/kernels-bench-splitk.txt"

TUNED=""
if [ -n "${SWEEP:-}" ]; then
  echo "== matvec geometry sweep (decode products, both presets)"
  mkdir -p "$OUT/sweep"
  [ "$SWEEP" = all ] && SWEEP="1:64 1:128 1:256 2:64 2:128 2:256 4:64 4:128 4:256"
  for g in $SWEEP; do
    rps=${g%:*} wg=${g#*:}
    QWENVK_MATVEC_RPS=$rps QWENVK_MATVEC_WG=$wg $T "$QV" kernels bench --preset all --filter decode/matvec --target-ms 200 --json \
      > "$OUT/sweep/rps$rps-wg$wg.json" 2>/dev/null
  done
  TUNED=$(python3 - "$OUT/sweep" <<'PY'
import glob, json, os, sys
rows = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    if os.path.getsize(f) == 0: continue
    cases = json.load(open(f))["cases"]
    t = {p: sum(c["median_us"] for c in cases if c["preset"] == p) for p in ("0.5b", "7b")}
    rows.append((os.path.basename(f)[:-5], t["0.5b"], t["7b"]))
print("geometry       0.5b decode products (us)   7b decode products (us)", file=sys.stderr)
for name, a, b in rows: print(f"{name:14} {a:26.1f} {b:25.1f}", file=sys.stderr)
best = min(rows, key=lambda r: r[2])[0]
rps, wg = best[3:].split("-wg")
print(f"QWENVK_MATVEC_RPS={rps} QWENVK_MATVEC_WG={wg}")
PY
)
  echo "fastest on the 7B shapes: ${TUNED:-none}"
  [ "$TUNED" = "QWENVK_MATVEC_RPS=1 QWENVK_MATVEC_WG=128" ] && TUNED=""  # the defaults: nothing to bench again
fi

bench_model() { # name, make-model args...
  local name=$1; shift
  if [ ! -f "$MODELS/$name/config.json" ]; then
    local t0=$SECONDS
    $T "$QV" make-model --out "$MODELS/$name" --dtype f16 "$@" >&2 || return
    echo "make-model $name: $((SECONDS - t0)) s" >&2
  fi
  $T "$QV" bench -m "$MODELS/$name" -p 512 -n 128 -r 3 --json > "$OUT/bench-$name.json"
  # Flash decoding (split decode attention) is on by default on GPUs; the same bench without it, to set beside.
  QWENVK_ATTENTION_SPLITS=1 $T "$QV" bench -m "$MODELS/$name" -p 512 -n 128 -r 3 --json > "$OUT/bench-$name-unsplit.json"
  QWENVK_MATVEC_SPLITK=1 $T "$QV" bench -m "$MODELS/$name" -p 512 -n 128 -r 3 --json > "$OUT/bench-$name-splitk.json"
  if [ -n "$TUNED" ]; then
    env $TUNED $T "$QV" bench -m "$MODELS/$name" -p 512 -n 128 -r 3 --json > "$OUT/bench-$name-tuned.json"
  fi
  # Quantized at load: the issue's decode ratios (q8_0 >= 1.6x, q4_0 >= 2.2x of f16) are to be met on a GPU, where
  # decode is bound by bytes (lavapipe is bound by instructions: docs/BENCHMARKS.md).
  for q in ${QUANTS-q8_0 q4_0}; do
    $T "$QV" bench -m "$MODELS/$name" -p 512 -n 128 -r 3 --quant "$q" --json > "$OUT/bench-$name-$q.json"
  done
  # The peer on the same card and checkpoint: llama.cpp's Vulkan backend, F16 and the same q8_0 / q4_0 blocks.
  if [ "${PEER:-1}" != 0 ]; then
    PEER_TYPES="f16 ${QUANTS-q8_0 q4_0}" timeout "${PEER_TIMEOUT:-600}" "$HERE/tools/peer-bench.sh" "$MODELS/$name" "$OUT/peer-$name" 512 128 3 \
      || echo "llama.cpp peer on $name: skipped or failed (see $OUT/peer-$name-*.log)" >&2
  fi
}
first_run() { # name: pipelines compiled from nothing, then from the pipeline cache the first run left
  local xdg="$OUT/pipeline-cache-xdg"
  rm -rf "$xdg"; mkdir -p "$xdg"
  for state in cold warm; do
    XDG_CACHE_HOME="$xdg" QWENVK_PIPELINE_CACHE=1 __GL_SHADER_DISK_CACHE=0 MESA_SHADER_CACHE_DISABLE=true \
      $T "$QV" bench -m "$MODELS/$1" -p 16 -n 8 -r 1 --json > "$OUT/first-run-$1-$state.json"
  done
}
echo "== model benchmarks"
bench_model qwen2.5-0.5b-shape --preset qwen2.5-0.5b
first_run qwen2.5-0.5b-shape
[ -z "${SKIP_7B:-}" ] && bench_model qwen2.5-7b-shape --arch qwen2 --hidden 3584 --intermediate 18944 --layers 28 \
  --heads 28 --kv-heads 4 --vocab 152064 --tie false
[ -z "${SKIP_QWEN3:-}" ] && bench_model qwen3-0.6b-shape --preset qwen3-0.6b

echo
echo "== summary ($(date -u +%F))"
printf '%-22s %s\n' "kernel checks" "$([ "$KT" = 0 ] && echo passed || echo "FAILED ($KT)")" \
  "kernel checks + layer" "$([ "$KV" = 0 ] && echo passed || echo "$KV")" "xunit suite" "$([ "$TS" = 0 ] && echo passed || echo "$TS")"
python3 - "$OUT" <<'PY' || grep -hE '"(pp|tg)_tok_s"' "$OUT"/bench-*.json
import glob, json, os, sys
out = sys.argv[1]
kb = os.path.join(out, "kernels-bench.json")
copy = None
best_matvec = {}
if os.path.exists(kb) and os.path.getsize(kb) > 0:
    k = json.load(open(kb))
    d, copy = k["device"], k["copy_bandwidth"]["gb_per_s"]
    print(f"{'device':22} {d['name']} (vendor {d['vendor_id']}, driver {d['driver_version']}, subgroup {d['subgroup_size']})")
    print(f"{'copy bandwidth':22} {copy:.0f} GB/s ({k['copy_bandwidth']['source']}, read + write; vkCmdCopyBuffer {k['copy_bandwidth']['command_gb_per_s']:.0f})")
    for preset in ("0.5b", "7b", "qwen3-0.6b"):
        mv = [c for c in k["cases"] if c["preset"] == preset and c["phase"] == "decode" and c["kernel"] == "matvec"]
        if mv:
            best = max(mv, key=lambda c: c["gb_per_s"])
            best_matvec[preset] = best["gb_per_s"]
            print(f"{'best matvec ' + preset:22} {best['gb_per_s']:.0f} GB/s ({best['name']}, {best['percent_of_copy']:.0f}% of copy)")
    gemm = [c for c in k["cases"] if c["phase"] == "prefill" and c["kernel"] == "matmul" and c.get("gflop_per_s")]
    if gemm:
        best = max(gemm, key=lambda c: c["gflop_per_s"])
        print(f"{'best prefill GEMM':22} {best['gflop_per_s'] / 1e3:.2f} TFLOP/s ({best['id']})")
for f in sorted(glob.glob(os.path.join(out, "bench-*.json"))):
    if os.path.getsize(f) == 0:
        print(f"{os.path.basename(f)[6:-5]:22} no result"); continue
    b = json.load(open(f))
    share = f", {100 * b['decode_weight_gb_s'] / copy:.0f}% of copy" if copy else ""
    preset = "7b" if "7b" in f else "qwen3-0.6b" if "qwen3" in f else "0.5b"
    if copy and best_matvec.get(preset):
        share += f", {100 * b['decode_weight_gb_s'] / best_matvec[preset]:.0f}% of the best matvec"
    print(f"{os.path.basename(f)[6:-5]:22} pp{b['n_prompt']} {b['pp_tok_s']:.1f} tok/s   tg{b['n_gen']} {b['tg_tok_s']:.1f} tok/s   "
          f"decode reads weights at {b['decode_weight_gb_s']:.0f} GB/s{share}   weights {b.get('weights_mib', 0):.0f} MiB ({b.get('quant', 'f16')})   load {b['load_seconds']:.1f} s")
def tok_s(rows, prompt):
    for r in rows:
        if (r["n_prompt"] > 0) == prompt: return r["avg_ts"]
    return float("nan")
peers = sorted(glob.glob(os.path.join(out, "peer-*.json")))
if peers:
    for log in glob.glob(os.path.join(out, "peer-*.log")):
        line = next((l.strip() for l in open(log, errors="replace") if "matrix cores" in l), None)
        if line:
            print(f"{'llama.cpp device':22} {line}"); break
for f in peers:
    base = os.path.basename(f)[5:-5]            # NAME-TYPE
    name, q = base.rsplit("-", 1)
    mine = os.path.join(out, f"bench-{name}.json" if q == "f16" else f"bench-{name}-{q}.json")
    if os.path.getsize(f) == 0 or not os.path.exists(mine) or os.path.getsize(mine) == 0:
        print(f"{'peer ' + base:22} no result"); continue
    p, b = json.load(open(f)), json.load(open(mine))
    lp, lt = tok_s(p, True), tok_s(p, False)
    print(f"{'vs llama.cpp ' + base:22} pp QwenVk {b['pp_tok_s']:.1f} / llama.cpp {lp:.1f} = {b['pp_tok_s'] / lp:.2f}x   "
          f"tg QwenVk {b['tg_tok_s']:.1f} / llama.cpp {lt:.1f} = {b['tg_tok_s'] / lt:.2f}x")
for f in sorted(glob.glob(os.path.join(out, "first-run-*.json")), key=lambda f: "warm" in f):
    if os.path.getsize(f) == 0:
        print(f"{os.path.basename(f)[:-5]:22} no result"); continue
    b = json.load(open(f))
    print(f"{'first run, ' + ('warm' if 'warm' in f else 'cold') + ' cache':22} {b['pipelines']} pipelines in {b['pipeline_compile_seconds']:.3f} s, "
          f"pp warm-up {b['pp_warmup_seconds']:.2f} s, tg warm-up {b['tg_warmup_seconds']:.2f} s, "
          f"{b['pipeline_cache_loaded_bytes']} bytes of cache loaded")
PY
echo "full results in $OUT"

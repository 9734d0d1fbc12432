#!/usr/bin/env bash
# What can this machine's GPU do for splitmask? One run, one JSON, at most ~10 minutes.
#
# Reports the NVIDIA driver, Vulkan ICDs, the adapters Dawn (npm `webgpu`) sees and CUDA; installs what
# it can through the package managers (libvulkan1 via apt, the NVIDIA Vulkan ICD JSON when the driver's
# library is there but its JSON is not, @tensorflow/tfjs-node-gpu via npm into .tools/, PyTorch with
# CUDA via pip unless DEVICE_CHECK_NO_PIP=1); then measures the train step of SplitMask and BEiT at the
# demo config (batch 64) and at ViT-S/16 (batch 128; DEVICE_CHECK_VITS_BATCH overrides), a ViT
# classification step, and core's WGSL kernels op by op against tfjs's (packages/core/bench/webgpu.mjs), on
#   - webgpu (Dawn on the GPU's Vulkan adapter) with core's WGSL kernels, and with tfjs's own kernels,
#   - tfjs-node-gpu, where it installs and loads,
#   - PyTorch eager on CUDA (tools/splitmask_step_torch.py --device cuda), where available.
# Each piece runs under its own time limit and a missing piece becomes an entry that says why.
#
# Usage (from the repo root, after `pnpm install && pnpm build`, i.e. after `npm test` built things):
#   tools/device-check.sh [--out FILE] [--quick]     (default FILE: bench-results/device-check.json)
#                        [--cpu-scaling SECONDS]
# --quick: demo config only, 2 steps (a smoke test; also what runs on a machine without a GPU).
# Narrowing a run (env): DEVICE_CHECK_METHODS="splitmask", DEVICE_CHECK_CONFIGS="vit-s16:128",
#   DEVICE_CHECK_WEBGPU="webgpu webgpu-tfjs webgpu-no-attention" (ours minus the named kernel families),
#   DEVICE_CHECK_NO_TORCH=1, DEVICE_CHECK_OPS_TIER=small|full|gpu (gpu: ViT-S/16 at batch 128 sizes).
# --cpu-scaling S: keep the last S seconds of the budget for the many-core table of issue #15: the wasm
#   train step on 1, 2, 4, ... nproc worker threads (packages/splitmask/bench/run.mjs) against PyTorch on as
#   many CPU threads, SplitMask and BEiT at the demo config (batch 256) and SplitMask at ViT-S/16 (8 images
#   per worker). Results under "cpuScaling" in the JSON.
# No registry (a machine that downloads nothing): bring .devkit/ (node tools/device-kit.mjs packs node, the
# built packages and the runtime node_modules); this script unpacks it.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/bench-results/device-check.json"
QUICK=0
CPU_SCALING=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --cpu-scaling) CPU_SCALING="$2"; shift 2 ;;
    *) echo "device-check: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$(dirname "$OUT")"
START=$(date +%s)

# ---------------------------------------------------------------- the kit (machines that download nothing)
# tools/device-kit.mjs packs node, the built packages and the runtime node_modules into .devkit/; unpack
# them here when this machine lacks node or the build. xz, else Python's lzma/tarfile (same archives).
unxz_to() { xz -dc "$1" >"$2" 2>/dev/null || python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; }
untar_xz() { tar -xJf "$1" 2>/dev/null || python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(".")' "$1"; }
if [ -d .devkit ]; then
  if ! command -v node >/dev/null || [ "${DEVICE_CHECK_KIT_NODE:-0}" = 1 ]; then
    mkdir -p .tools/node/bin && unxz_to .devkit/node.xz .tools/node/bin/node && chmod +x .tools/node/bin/node
    export PATH="$ROOT/.tools/node/bin:$PATH"
  fi
  if [ ! -f packages/splitmask/dist/index.js ] || [ ! -d node_modules/.pnpm ]; then untar_xz .devkit/modules.tar.xz; fi
  # The Vulkan loader and glvnd (libGLX_nvidia, the driver's Vulkan ICD, needs libGLdispatch): GPU images
  # often lack them. Unpacked into / as root on a machine with an NVIDIA driver, or when no loader is there.
  if [ "$(id -u)" = 0 ] && { command -v nvidia-smi >/dev/null || ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1; }; then
    for f in .devkit/debs/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
    ldconfig 2>/dev/null || true
  fi
fi
command -v node >/dev/null || { echo "device-check: no node (install Node 20, or run tools/device-kit.mjs where it is and bring .devkit/)" >&2; exit 2; }
BUDGET=${DEVICE_CHECK_BUDGET_S:-570}
[[ "$CPU_SCALING" =~ ^[0-9]+$ ]] || { echo "device-check: --cpu-scaling takes seconds, got $CPU_SCALING" >&2; exit 2; }
WORK="$ROOT/.tools/device-check"
mkdir -p "$WORK"
LOG="$WORK/log.txt"
: >"$LOG"
log() { echo "device-check: $*" | tee -a "$LOG" >&2; }
RESERVE=0 # seconds kept back for the CPU scaling section until it starts
left() { echo $((BUDGET - RESERVE - ($(date +%s) - START))); }
# Runs "$@" with a time limit of min($1, time left - 10 s); prints nothing and fails when no time is left.
limited() {
  local want="$1"; shift
  local l; l=$(($(left) - 10))
  [ "$l" -gt 5 ] || { log "skipped (time budget spent): $*"; return 124; }
  [ "$want" -lt "$l" ] && l="$want"
  timeout --kill-after=5 "$l" "$@"
}
json_str() { node -e 'process.stdout.write(JSON.stringify(process.argv[1] ?? ""))' -- "$1"; }

# ---------------------------------------------------------------- what is there
REPORT="$WORK/report.jsonl"
: >"$REPORT"
fact() { printf '{"key":%s,"value":%s}\n' "$(json_str "$1")" "$(json_str "$2")" >>"$REPORT"; }

fact uname "$(uname -srm)"
fact node "$(node --version 2>&1)"
if command -v nvidia-smi >/dev/null; then
  fact nvidia_smi "$(limited 30 nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1)"
  fact cuda_driver_version "$(limited 30 nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' | head -n1)"
else
  fact nvidia_smi "not found (no NVIDIA driver in this environment)"
fi
fact nvcc "$(command -v nvcc >/dev/null && nvcc --version | tail -n1 || echo 'not found')"
fact libcuda "$(ldconfig -p 2>/dev/null | grep -m1 -o 'libcuda.so.1 .*' || echo 'not in ldconfig cache')"
fact libcudnn "$(ldconfig -p 2>/dev/null | grep -m1 -o 'libcudnn.so.[0-9]* .*' || echo 'not in ldconfig cache')"

# Vulkan: the loader and the ICDs. The NVIDIA driver ships its ICD JSON with the GL libraries; containers
# started without the `graphics` capability have libGLX_nvidia but no JSON: write one in .tools/.
if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1 && command -v nvidia-smi >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing libvulkan1 (apt)"
    limited 120 apt-get install -y -q --no-install-recommends libvulkan1 >>"$LOG" 2>&1 || log "apt-get install libvulkan1 failed"
  fi
fi
fact vulkan_loader "$(ldconfig -p 2>/dev/null | grep -m1 -o 'libvulkan.so.1 .*' || echo 'missing (apt-get install libvulkan1)')"
ICDS="$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2>/dev/null | tr '\n' ' ')"
fact vulkan_icds "${ICDS:-none}"
NV_ICD=""
# Containers that mount the driver under /usr/local/nvidia keep its ICD JSON there.
# The driver's own folder first: a JSON under /usr/share may name a libGLX_nvidia that cannot start Vulkan
# (seen on an H200 VM: "Could not get 'vkCreateInstance' via 'vk_icdGetInstanceProcAddr'").
for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  [ -f "$f" ] && [ -z "$NV_ICD" ] && NV_ICD="$f"
done
fact nvidia_icd_json "$([ -n "$NV_ICD" ] && tr -d '\n ' <"$NV_ICD" | head -c 300)"
if [ -z "$NV_ICD" ]; then
  NV_GLX="$(ldconfig -p 2>/dev/null | grep -m1 -o '/[^ ]*libGLX_nvidia.so.0' || true)"
  if [ -n "$NV_GLX" ]; then
    NV_ICD="$WORK/nvidia_icd.json"
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3"}}\n' "$NV_GLX" >"$NV_ICD"
    log "wrote $NV_ICD for $NV_GLX (the driver's Vulkan ICD had no JSON here)"
  fi
fi
fact nvidia_vulkan_icd "${NV_ICD:-none (the NVIDIA Vulkan driver is not visible: in Docker pass NVIDIA_DRIVER_CAPABILITIES=all)}"
if command -v vulkaninfo >/dev/null; then
  fact vulkaninfo "$(limited 30 vulkaninfo --summary 2>&1 | grep -E 'deviceName|driverName|apiVersion' | tr -s ' ' | tr '\n' ';')"
fi

# Dawn's adapters (all ICDs, and with the NVIDIA one alone when we have it).
[ -n "${XDG_RUNTIME_DIR:-}" ] || { export XDG_RUNTIME_DIR="$WORK/xdg"; mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"; }
DAWN="$(cd packages/core && node -e "console.log(require.resolve('webgpu'))" 2>/dev/null || true)"
adapters() { # $1 = VK_ICD_FILENAMES value ('' = the system's)
  [ -n "$DAWN" ] || { echo '"npm webgpu not installed (pnpm install)"'; return; }
  # An empty VK_ICD_FILENAMES would hide every driver: set it only to a real list.
  (if [ -n "$1" ]; then export VK_ICD_FILENAMES="$1"; else unset VK_ICD_FILENAMES; fi
  limited 60 node --input-type=module -e "
    const { create } = await import('$DAWN');
    const out = [];
    for (const power of ['high-performance', 'low-power']) {
      const a = await create([]).requestAdapter({ powerPreference: power });
      if (a) out.push({ power, vendor: a.info.vendor, architecture: a.info.architecture, device: a.info.device,
        description: a.info.description, fallback: a.info.isFallbackAdapter ?? null, f16: a.features.has('shader-f16') });
    }
    console.log(JSON.stringify(out));
    process.exit(0);" 2>>"$LOG") || echo '"Dawn failed (see .tools/device-check/log.txt)"'
}
DAWN_ALL="$(adapters "${VK_ICD_FILENAMES:-}")"
DAWN_NV='null'
[ -n "$NV_ICD" ] && DAWN_NV="$(adapters "$NV_ICD")"

# Which Vulkan driver webgpu runs on: the NVIDIA one when Dawn takes it; else lavapipe (code path only).
WEBGPU_ICD=""
WEBGPU_KIND="none"
if [ -n "$NV_ICD" ] && printf '%s' "$DAWN_NV" | grep -q '"vendor"'; then
  WEBGPU_ICD="$NV_ICD"; WEBGPU_KIND="nvidia"
elif printf '%s' "$DAWN_ALL" | grep -q '"vendor"'; then
  WEBGPU_ICD="${VK_ICD_FILENAMES:-}"; WEBGPU_KIND="system"
elif SETUP="$(tools/setup-webgpu.sh 2>>"$LOG")"; then
  eval "$SETUP"; WEBGPU_ICD="$VK_ICD_FILENAMES"; WEBGPU_KIND="software (lavapipe/SwiftShader: code path only, not GPU speed)"
fi
log "webgpu runs on: $WEBGPU_KIND"

RESERVE=$CPU_SCALING

# ---------------------------------------------------------------- installs
TFJS_GPU="$WORK/tfjs-node-gpu"
# Offline machines (no registry): skip the installs at once instead of waiting for their timeouts.
ONLINE=0
command -v npm >/dev/null && limited 10 npm ping >/dev/null 2>&1 && ONLINE=1
fact registry_reachable "$([ $ONLINE = 1 ] && echo yes || echo 'no (npm missing or registry unreachable: installs skipped)')"
if [ ! -d "$TFJS_GPU/node_modules/@tensorflow/tfjs-node-gpu" ] && command -v nvidia-smi >/dev/null && [ $ONLINE = 1 ]; then
  log "npm install @tensorflow/tfjs-node-gpu@4.22.0 (downloads libtensorflow 2.9.1 for CUDA 11.2)"
  mkdir -p "$TFJS_GPU"
  (cd "$TFJS_GPU" && [ -f package.json ] || echo '{"private":true}' >package.json)
  (cd "$TFJS_GPU" && limited 120 npm install --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0 @tensorflow/tfjs-core@4.22.0 >>"$LOG" 2>&1) ||
    log "tfjs-node-gpu did not install (see log)"
fi
PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import torch' 2>/dev/null; then PY="$p"; break; fi
done
if [ -z "$PY" ] && [ "${DEVICE_CHECK_NO_PIP:-0}" != 1 ] && [ $ONLINE = 1 ] && command -v nvidia-smi >/dev/null && command -v pip3 >/dev/null; then
  log "pip install torch (CUDA wheels, ~2.5 GB)"
  limited 180 pip3 install -q torch >>"$LOG" 2>&1 || log "pip install torch failed or ran out of time"
  python3 -c 'import torch' 2>/dev/null && PY=python3
fi
TORCH_CUDA='false'
if [ -n "$PY" ]; then
  fact torch "$("$PY" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")' 2>&1 | tail -n1)"
  "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null && TORCH_CUDA='true'
else
  fact torch "not installed"
fi

# ---------------------------------------------------------------- the train-step bench
STEP_JS="$WORK/step.mjs"
cat >"$STEP_JS" <<'EOF'
// One train step measurement: node step.mjs <root> <backend> <method> <config> <steps> <batch>
// backend: webgpu (core's WGSL kernels) | webgpu-tfjs (tfjs-backend-webgpu's own) | tensorflow-gpu
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [root, backend, method, configName, stepsArg, batchArg] = process.argv.slice(2);
const req = createRequire(join(root, 'packages/splitmask/package.json'));
const coreDir = dirname(req.resolve('@splitmask/core/package.json'));
const core = await import(pathToFileURL(join(coreDir, 'dist/index.js')).href);
const lib = await import(pathToFileURL(join(root, 'packages/splitmask/dist/index.js')).href);
const importers = {};
if (backend === 'tensorflow-gpu') {
  const gpuReq = createRequire(join(root, '.tools/device-check/tfjs-node-gpu/package.json'));
  importers['@tensorflow/tfjs-node-gpu'] = () => import(pathToFileURL(gpuReq.resolve('@tensorflow/tfjs-node-gpu')).href);
}
// webgpu-no-attention (families joined by '+'): core's WGSL kernels except those (webgpuKernels.exclude).
const exclude = backend.startsWith('webgpu-no-') ? backend.slice('webgpu-no-'.length).split('+') : null;
const useBackend = () =>
  core.initBackend(backend.startsWith('webgpu') ? 'webgpu' : backend, {
    webgpuKernels: backend === 'webgpu-tfjs' ? false : exclude ? { exclude } : true,
    importers,
  });
// createPretrainer reads tensors synchronously (dataSync), which webgpu in Node cannot do: build the
// trainer on wasm, then switch (tfjs moves the variables to the new backend on first use).
const buildOn = backend.startsWith('webgpu') ? 'wasm' : null;
const info = await (buildOn ? core.initBackend(buildOn) : useBackend());
const CONFIGS = {
  demo: { model: { imageSize: 28, patchSize: 4, inChans: 1, embedDim: 64, depth: 4, numHeads: 4, mlpRatio: 2 }, vocab: 128 },
  'vit-s16': { model: { imageSize: 224, patchSize: 16, inChans: 3, embedDim: 384, depth: 12, numHeads: 6, mlpRatio: 4 }, vocab: 8192 },
};
const { model, vocab } = CONFIGS[configName];
const batch = Number(batchArg);
const s = model.imageSize;
const c = model.inChans;
const pixels = new Uint8Array(2 * batch * s * s * c);
for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251;
const source = lib.createArraySource({ pixels, count: 2 * batch, size: s, channels: c }, { imageSize: s, seed: 0 });
const config = lib.resolvePretrainConfig({
  method,
  model: { ...model, dropPathRate: 0, decoderDepth: 2 },
  tokenizer: { kind: 'random-projection', vocabSize: vocab },
  optim: { warmupSteps: 1 },
  train: { batchSize: batch, steps: 1000 },
});
const trainer = await lib.createPretrainer({ config, source });
const active = buildOn ? await useBackend() : info;
const t0 = performance.now();
await trainer.trainStep(); // shader compiles, buffer pool warm-up
const firstMs = performance.now() - t0;
await trainer.trainStep();
const steps = Number(stepsArg);
const t1 = performance.now();
let ev;
for (let i = 0; i < steps; i++) ev = await trainer.trainStep();
const sec = (performance.now() - t1) / 1000;
await trainer.dispose();
console.log(`RESULT ${JSON.stringify({
  backend, method, config: configName, batch, steps, adapter: active.adapter, notes: active.notes,
  imgsPerSec: (steps * batch) / sec, stepMs: (1000 * sec) / steps, firstStepMs: firstMs,
  loss: ev?.loss ?? null, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
})}`);
process.exit(0);
EOF

# Which webgpu variants: ours and tfjs's, plus e.g. webgpu-no-attention (ours except those families,
# joined by '+': webgpuKernels.exclude) to find which of our kernels pay on this GPU.
WEBGPU_VARIANTS="${DEVICE_CHECK_WEBGPU:-webgpu webgpu-tfjs}"
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
record_error() { # backend method config why
  printf '{"backend":%s,"method":%s,"config":%s,"error":%s}\n' "$(json_str "$1")" "$(json_str "$2")" \
    "$(json_str "$3")" "$(json_str "$4")" >>"$RESULTS"
}
run_step() { # limit backend method config steps batch [env...]
  local lim="$1" be="$2" me="$3" cf="$4" st="$5" ba="$6"; shift 6
  log "step: $be $me $cf batch $ba"
  local out rc=0 err="$WORK/step.err"
  out="$( (for kv in "$@"; do [ -n "${kv#*=}" ] && export "${kv?}" || unset "${kv%%=*}"; done; limited "$lim" node "$STEP_JS" "$ROOT" "$be" "$me" "$cf" "$st" "$ba") 2>"$err")" || rc=$?
  cat "$err" >>"$LOG"
  local line; line="$(printf '%s\n' "$out" | grep '^RESULT ' | tail -n1 | cut -c8-)"
  if [ -n "$line" ]; then echo "$line" >>"$RESULTS"; log "  $(printf '%s' "$line" | head -c 200)"
  else
    local why; why="$(grep -m1 -E '^[A-Za-z]*Error' "$err" | head -c 300)"
    # webgpu in Node has no synchronous readback: name the cause instead of tfjs's OffscreenCanvas error.
    case "$why" in *OffscreenCanvas*) why="$why (a synchronous read, dataSync, on webgpu in Node: the trainer must read asynchronously)" ;; esac
    record_error "$be" "$me" "$cf" "exit $rc$([ $rc = 124 ] && echo ' (time limit)'): ${why:-see .tools/device-check/log.txt}"
  fi
}

if [ ! -f packages/splitmask/dist/index.js ] || [ ! -f packages/core/dist/index.js ]; then
  record_error all all all "packages are not built: run pnpm install && pnpm build first"
else
  CONFIG_LIST="demo:64"
  VITS_BATCH="${DEVICE_CHECK_VITS_BATCH:-128}"
  STEPS=5
  if [ "$QUICK" = 1 ]; then STEPS=2; elif [ "$WEBGPU_KIND" = nvidia ] || [ "$TORCH_CUDA" = true ]; then CONFIG_LIST="demo:64 vit-s16:$VITS_BATCH"; fi
  CONFIG_LIST="${DEVICE_CHECK_CONFIGS:-$CONFIG_LIST}"
  # Method-major, SplitMask first: when the budget runs short, what is lost is BEiT's rows.
  for me in ${DEVICE_CHECK_METHODS:-splitmask beit}; do
  for cb in $CONFIG_LIST; do
    cf="${cb%%:*}"; ba="${cb##*:}"
    lim=$([ "$cf" = demo ] && echo 90 || echo 150)
    {
      if [ "$WEBGPU_KIND" != none ]; then
        for be in $WEBGPU_VARIANTS; do run_step "$lim" "$be" "$me" "$cf" "$STEPS" "$ba" VK_ICD_FILENAMES="$WEBGPU_ICD"; done
      else
        record_error webgpu "$me" "$cf" "no WebGPU adapter: no Vulkan driver Dawn accepts (see report.dawn_adapters)"
      fi
      if [ -d "$TFJS_GPU/node_modules/@tensorflow/tfjs-node-gpu" ]; then
        run_step "$lim" tensorflow-gpu "$me" "$cf" "$STEPS" "$ba"
      else
        record_error tensorflow-gpu "$me" "$cf" "@tensorflow/tfjs-node-gpu is not installed (no NVIDIA driver, or npm install failed: see log)"
      fi
      if [ "$TORCH_CUDA" = true ] && [ "${DEVICE_CHECK_NO_TORCH:-0}" != 1 ]; then
        set -- $(node -e "
          const c = { demo: [28, 4, 1, 64, 4, 4, 2, 128], 'vit-s16': [224, 16, 3, 384, 12, 6, 4, 8192] }['$cf'];
          console.log(c.join(' '))")
        log "step: torch-cuda $me $cf batch $ba"
        out="$(limited "$lim" "$PY" tools/splitmask_step_torch.py --device cuda --method "$me" --image "$1" --patch "$2" \
          --chans "$3" --dim "$4" --depth "$5" --heads "$6" --mlp-ratio "$7" --vocab "$8" --batch "$ba" --steps "$STEPS" 2>>"$LOG")"
        line="$(printf '%s\n' "$out" | tail -n1)"
        if printf '%s' "$line" | grep -q imgs_per_s; then
          node -e "const r = JSON.parse(process.argv[1]); console.log(JSON.stringify({ backend: 'torch-cuda', method: r.method,
            config: '$cf', batch: $ba, steps: $STEPS, imgsPerSec: r.imgs_per_s, stepMs: r.step_ms, loss: r.loss, peakRssMb: r.peak_rss_mb }))" \
            "$line" >>"$RESULTS"
        else
          record_error torch-cuda "$me" "$cf" "tools/splitmask_step_torch.py --device cuda failed: $(tail -n 1 "$LOG" | head -c 300)"
        fi
      else
        record_error torch-cuda "$me" "$cf" "PyTorch with CUDA is not available ($([ -n "$PY" ] && echo 'torch has no CUDA device' || echo 'torch not installed'))"
      fi
    }
  done
  done
fi

# The ViT-S/16 classification step of @splitmask/vit's bench (fwd + bwd, no trainer), ours vs tfjs's.
if [ "$WEBGPU_KIND" != none ] && [ -f packages/vit/dist/index.js ]; then
  VIT_CASE=$([ "$WEBGPU_KIND" = nvidia ] && echo s16b128 || echo ti4b8)
  for be in $WEBGPU_VARIANTS; do
    log "vit classify step: $be $VIT_CASE"
    out="$( (if [ -n "$WEBGPU_ICD" ]; then export VK_ICD_FILENAMES="$WEBGPU_ICD"; else unset VK_ICD_FILENAMES; fi; cd packages/vit && limited 150 node bench/run.mjs --single "$be:$VIT_CASE:full" --steps 2) 2>>"$LOG")"
    line="$(printf '%s\n' "$out" | grep '^RESULT ' | tail -n1 | cut -c8-)"
    if [ -n "$line" ]; then
      node -e "const r = JSON.parse(process.argv[1]); console.log(JSON.stringify(r.error ? { backend: r.backend, method: 'vit-classify',
        config: r.case, error: r.error } : { backend: r.backend, method: 'vit-classify', config: r.case, batch: r.batch,
        imgsPerSec: r.trainImgsPerSec, stepMs: r.stepMs, fwdImgsPerSec: r.fwdImgsPerSec, peakRssMb: r.peakRssMiB }))" "$line" >>"$RESULTS"
    else
      record_error "$be" vit-classify "$VIT_CASE" "packages/vit/bench/run.mjs failed or ran out of time (see log)"
    fi
  done
fi

# Op by op: core's WGSL kernels vs tfjs-backend-webgpu's own (packages/core/bench/webgpu.mjs).
OPS_JSON="packages/core/bench-results/core-webgpu.json"
rm -f "$OPS_JSON"
if [ "$WEBGPU_KIND" != none ] && [ -f packages/core/dist/index.js ]; then
  TIER=${DEVICE_CHECK_OPS_TIER:-$([ "$WEBGPU_KIND" = nvidia ] && echo full || echo small)}
  log "ops: core WGSL vs tfjs webgpu ($TIER sizes)"
  (if [ -n "$WEBGPU_ICD" ]; then export VK_ICD_FILENAMES="$WEBGPU_ICD"; else unset VK_ICD_FILENAMES; fi
    cd packages/core && limited 120 node bench/webgpu.mjs --tier "$TIER") >>"$LOG" 2>&1 || log "ops bench failed (see log)"
fi

# ---------------------------------------------------------------- the many-core CPU table (#15)
CPU_JSON="$WORK/cpu-scaling.jsonl"
: >"$CPU_JSON"
if [ "$CPU_SCALING" -gt 0 ]; then
  RESERVE=0
  NPROC=$(nproc)
  COUNTS="1"; n=2; while [ "$n" -le "$NPROC" ]; do COUNTS="$COUNTS,$n"; n=$((n * 2)); done
  BENCH_PY="${PY:-python3}"
  cpu_bench() { # limit out-name args...
    local lim="$1" name="$2"; shift 2
    log "cpu scaling: $name ($*)"
    (export SPLITMASK_PYTHON="$BENCH_PY"; cd packages/splitmask && limited "$lim" node bench/run.mjs --out "$WORK/cpu-$name.json" "$@") >>"$LOG" 2>&1 ||
      log "cpu scaling $name failed or ran out of time (see log)"
    [ -f "$WORK/cpu-$name.json" ] && node -e "const r = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
      for (const row of r.rows) console.log(JSON.stringify({ part: process.argv[2], cores: r.cores, ...row }))" "$WORK/cpu-$name.json" "$name" >>"$CPU_JSON"
  }
  # Demo config at a global batch of 256 (16 images per worker at 16 workers), PyTorch on as many threads;
  # then ViT-S/16 at 8 images per worker (a wasm heap holds 8, not 16) on all cores; BEiT; ViT-S on 1.
  cpu_bench "$((CPU_SCALING * 36 / 100))" demo-splitmask --configs demo:256 --methods splitmask --workers "$COUNTS" --steps 5 --torch-same-threads
  cpu_bench "$((CPU_SCALING * 33 / 100))" vits-all --configs "vit-s16:$((8 * NPROC))" --methods splitmask --workers "$NPROC" --steps 2 --torch-same-threads
  cpu_bench "$((CPU_SCALING * 16 / 100))" demo-beit --configs demo:256 --methods beit --workers "1,$NPROC" --steps 5 --torch-same-threads
  cpu_bench "$(left)" vits-1 --configs vit-s16:8 --methods splitmask --workers 1 --steps 1 --torch-same-threads
fi

# ---------------------------------------------------------------- one JSON
node --input-type=module -e "
  import { readFileSync, writeFileSync } from 'node:fs';
  const lines = (f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const report = Object.fromEntries(lines('$REPORT').map((r) => [r.key, r.value]));
  const parse = (s) => { try { return JSON.parse(s); } catch { return s; } };
  report.dawn_adapters = parse(process.argv[1]);
  report.dawn_adapters_nvidia_icd = parse(process.argv[2]);
  report.webgpu_runs_on = '$WEBGPU_KIND';
  const steps = lines('$RESULTS');
  // Ratios: our kernels vs tfjs's on webgpu, and each Node backend vs PyTorch CUDA, per (method, config).
  for (const r of steps) {
    if (r.error) continue;
    const same = (b) => steps.find((x) => x.backend === b && x.method === r.method && x.config === r.config && !x.error);
    const tfjs = same('webgpu-tfjs');
    const torch = same('torch-cuda');
    if (r.backend.startsWith('webgpu') && r.backend !== 'webgpu-tfjs' && tfjs) r.speedupOverTfjsKernels = r.imgsPerSec / tfjs.imgsPerSec;
    if (torch && r.backend !== 'torch-cuda') r.ratioToTorchCuda = r.imgsPerSec / torch.imgsPerSec;
  }
  let ops = null;
  try { ops = JSON.parse(readFileSync('$OPS_JSON', 'utf8')); } catch { ops = 'not run (no WebGPU adapter, or it failed: see log)'; }
  const cpuScaling = lines('$CPU_JSON');
  const out = { date: new Date().toISOString(), seconds: Math.round(Date.now() / 1000 - $START), report, steps, ops, cpuScaling };
  writeFileSync('$OUT', JSON.stringify(out, null, 2) + '\n');
  for (const r of steps) console.log(r.error ? \`\${r.backend} \${r.method} \${r.config}: \${r.error}\`
    : \`\${r.backend} \${r.method} \${r.config} b=\${r.batch}: \${r.imgsPerSec.toFixed(1)} img/s\` +
      (r.speedupOverTfjsKernels ? \` (x\${r.speedupOverTfjsKernels.toFixed(2)} vs tfjs kernels)\` : '') +
      (r.ratioToTorchCuda ? \` (\${r.ratioToTorchCuda.toFixed(2)}x PyTorch CUDA)\` : ''));
  for (const r of cpuScaling) console.log(\`cpu \${r.part} \${r.method} \${r.config} b=\${r.batch} workers \${r.workers}: \${r.imgsPerSec.toFixed(1)} img/s\` +
    (r.torchSameThreadsImgsPerSec ? \` | PyTorch \${r.workers} threads \${r.torchSameThreadsImgsPerSec.toFixed(1)}: ratio \${r.ratioToTorchSameThreads.toFixed(2)}\` : ''));
  console.log('wrote $OUT');
" "$DAWN_ALL" "$DAWN_NV"

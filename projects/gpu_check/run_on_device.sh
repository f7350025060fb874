#!/usr/bin/env bash
# Every GPU measurement of issue 18 in one lease of a GPU machine that has no package registry (see
# README.md beside this file). Run from the repository root on the GPU machine:
#
#   OUT=/some/dir bash projects/gpu_check/run_on_device.sh WHEEL_DIR [OFFICIAL_DIR]
#
# WHEEL_DIR: made by `bash tools/setup_env_offline.sh --download WHEEL_DIR 3.12` on a connected machine.
# OFFICIAL_DIR (optional): a folder holding a copy of the official SOC code (soc/, its ops ported to the
# current torch headers) and official_soc_bench.py that times it; never part of the repository.
# Steps are ordered by priority, each under its own time limit, and every result is appended to
# $OUT/results.jsonl as soon as it exists, so a lease that ends early keeps what was measured.
set -uo pipefail
WHEELS=${1:?usage: run_on_device.sh WHEEL_DIR [OFFICIAL_DIR]}
OFFICIAL=${2:-}
OUT=${OUT:-$PWD/gpu_out}
mkdir -p "$OUT"
LOG=$OUT/log.txt
RESULTS=$OUT/results.jsonl
WORK=$(mktemp -d)
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
t0=$(date +%s)
stamp() { echo "=== [$(( $(date +%s) - t0 )) s] $*" | tee -a "$LOG"; }
DEADLINE=${DEADLINE:-400}  # seconds after which no further measurement starts
step() {  # step SECONDS NAME COMMAND...: run with a time limit, output to the log
  local limit=$1 name=$2; shift 2
  if [ $(( $(date +%s) - t0 )) -gt "$DEADLINE" ]; then stamp "$name: skipped (past ${DEADLINE} s)"; return 99; fi
  stamp "$name"
  timeout "$limit" "$@" >> "$LOG" 2>&1
  local rc=$?
  stamp "$name: exit $rc"
  echo "{\"step\": \"$name\", \"exit\": $rc, \"seconds\": $(( $(date +%s) - t0 ))}" >> "$RESULTS"
  return $rc
}

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >> "$LOG" 2>&1
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' >> "$LOG" 2>&1

# 1. install (mmcv compiled with the two CUDA kernels mmrvos calls), the official op in parallel
if [ -n "$OFFICIAL" ]; then
  (cd "$OFFICIAL/soc/models/ops" && TORCH_CUDA_ARCH_LIST=9.0 MAX_JOBS=4 timeout 300 \
     python3 setup.py build_ext --inplace > "$WORK/official_build.log" 2>&1; echo "official op exit $?" \
     >> "$WORK/official_build.log") &
fi
MMRVOS_MMCV_CUDA_OPS=soc MAX_JOBS=14 step 330 setup bash tools/setup_env_offline.sh "$WHEELS" \
  || MAX_JOBS=16 step 420 setup-all-cuda-ops bash tools/setup_env_offline.sh "$WHEELS" || exit 1
wait
[ -n "$OFFICIAL" ] && cat "$WORK/official_build.log" >> "$LOG"

# 2. the CUDA path against the CPU path (skipped tests would show as such)
step 150 cuda-tests python3 -m pytest -q -p no:cacheprovider -rs tests/test_models/test_cuda_path.py

# 3. the built-in benchmark's default data and tokenizer, generated while nothing is timed on the GPU
(python3 tools/dataset_converters/make_synthetic_rvos.py --out data/synthetic_rvos --num-train 2000 \
   --num-valid 30 --seed 0 --frames 8 8 --objects 3 4 --motion-phrases benchmark \
 && python3 -c "from mmrvos.testing import load_script; \
load_script('tools/run_synthetic_benchmark.py').build_tokenizer('data/synthetic_rvos')") >> "$LOG" 2>&1 &
gen=$!

# 4. speed: mmrvos (benchmark.py: test_step, i.e. with pre- and post-processing) and, with the official
#    code, both models' raw forward timed alternately in one process on converted weights, with the
#    differences of their outputs; one clip of 8 frames 360x640, batch 1
bench() {  # bench NAME ARGS...
  step 150 "$1" python3 tools/analysis_tools/benchmark.py model "${@:2}" --device cuda --num-frames 8 --warmup 3 \
    --repeat 15 --out "$WORK/$1.json" && cat "$WORK/$1.json" | python3 -c \
    'import json,sys; d=json.load(sys.stdin); d["name"]=sys.argv[1]; print(json.dumps(d))' "$1" >> "$RESULTS"
}
official() {  # official NAME ARGS...
  [ -n "$OFFICIAL" ] || return 0
  step 120 "$1" python3 "$OFFICIAL/official_soc_bench.py" "${@:2}" --out "$WORK/$1.json" \
    && cat "$WORK/$1.json" >> "$RESULTS" && echo >> "$RESULTS"
}
wait $gen
T=configs/soc/soc_video-swin-t_8xb1-30e_ref-ytvos.py
B=configs/soc/soc_video-swin-b_refcoco-pre_8xb1-20e_ref-ytvos.py
bench mmrvos-swin-t-fp32 $T --precision fp32
official official-swin-t-fp32 --backbone video-swin-t --precision fp32 --compare soc/${T#configs/soc/}
bench mmrvos-swin-t-fp16 $T --precision fp16
bench mmrvos-swin-t-bf16 $T --precision bf16

# 5. training on the GPU, all at once: the built-in benchmark (generate, train, test, render) with more
#    iterations than the CPU default; the same config for 300 iterations in fp32 / AMP fp16 / AMP bf16
#    (loss curves side by side); DDP with NCCL through tools/dist_train.sh for 20 iterations
S=$(ls configs/synthetic/soc_tiny_*synthetic-rvos.py | grep -v frame-level | head -1)
stamp "training ($S)"
(timeout 130 python3 tools/run_synthetic_benchmark.py --max-iters 800 --work-dir "$WORK/builtin" \
   --cfg-options train_dataloader.num_workers=6 > "$WORK/builtin.log" 2>&1
 echo "{\"step\": \"builtin-benchmark-800it\", \"exit\": $?}" >> "$RESULTS"
 cat "$WORK/builtin/summary.json" >> "$RESULTS" 2>/dev/null; echo >> "$RESULTS") &
train() {  # train NAME EXTRA...
  timeout 120 python3 tools/train.py "$S" --work-dir "$WORK/$1" "${@:2}" --cfg-options train_cfg.max_iters=200 \
    param_scheduler.1.end=200 train_dataloader.num_workers=3 default_hooks.logger.interval=10 \
    > "$WORK/$1.log" 2>&1
  echo "{\"step\": \"train-$1\", \"exit\": $?}" >> "$RESULTS"
}
train fp32 &
train amp-fp16 --amp &
train amp-bf16 --amp --cfg-options optim_wrapper.dtype=bfloat16 &  # DictAction merges both lists
(timeout 120 bash tools/dist_train.sh "$S" 1 --work-dir "$WORK/ddp" --cfg-options train_cfg.max_iters=20 \
   default_hooks.logger.interval=5 > "$WORK/ddp.log" 2>&1
 echo "{\"step\": \"dist_train-nccl\", \"exit\": $?}" >> "$RESULTS") &
wait
stamp "training done"
for name in fp32 amp-fp16 amp-bf16; do
  python3 - "$WORK/$name" "$name" >> "$RESULTS" 2>>"$LOG" <<'PY'
import glob, json, sys
rows = [json.loads(line) for f in glob.glob(f'{sys.argv[1]}/*/vis_data/scalars.json') for line in open(f)]
rows = [r for r in rows if 'loss' in r]
print(json.dumps({'curve': sys.argv[2], 'iter': [r['step'] for r in rows],
                  'loss': [r['loss'] for r in rows], 'time': [r.get('time') for r in rows]}))
PY
done
grep -h "nccl\|NCCL\|Iter(train)" "$WORK/ddp.log" | tail -4 >> "$LOG"

# 6. Swin-B, then compile (slow to warm up: last)
bench mmrvos-swin-b-fp32 $B --precision fp32
official official-swin-t-fp16 --backbone video-swin-t --precision fp16 --compare soc/${T#configs/soc/}
official official-swin-b-fp32 --backbone video-swin-b --precision fp32 --compare soc/${B#configs/soc/}
bench mmrvos-swin-b-bf16 $B --precision bf16
bench mmrvos-swin-t-fp32-compile $T --precision fp32 --compile
stamp done
tar czf "$OUT/details.tar.gz" -C "$WORK" --exclude synth --exclude '*.pth' . 2>/dev/null

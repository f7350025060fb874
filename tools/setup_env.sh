#!/usr/bin/env bash
# Creates (or refreshes) the project virtual environment and installs the pinned OpenMMLab stack.
#
#   bash tools/setup_env.sh            # -> .venv/ (override with MMRVOS_VENV=/path)
#
# Order matters (see docs/get_started.md): torch first, build tooling with setuptools < 81, the runtime
# dependencies (OpenCV headless before anything that wants another cv2), mmengine, mmcv 2.1.0 compiled
# from source with its ops, then mmdet / mmaction2 without their conflicting dependency pins, then
# mmrvos itself in editable mode. Never torchvision or timm on a CPU machine: they break mmengine's Runner.
#
# Idempotent: a stamp records the hash of every file that decides what gets installed; when it matches and
# the environment imports, the script exits within seconds. The compiled mmcv wheel is kept in a wheelhouse
# (MMRVOS_WHEELHOUSE, default ~/.cache/mmrvos/wheels) keyed by the torch build, so a fresh venv on the same
# machine re-installs it in seconds instead of recompiling for ~20 minutes. The build itself is
# tools/misc/build_mmcv.sh (also used by tools/setup_env_offline.sh for machines without a registry).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MMRVOS_VENV:-$ROOT/.venv}
WHEELHOUSE_ROOT=${MMRVOS_WHEELHOUSE:-$HOME/.cache/mmrvos/wheels}
PYTHON_BIN=${PYTHON:-python3}
TORCH_SPEC=${MMRVOS_TORCH_SPEC:-torch==2.13.0}
MMCV_VERSION=2.1.0

say() { printf '[setup] %s\n' "$*"; }
t0=$(date +%s)

stamp_inputs=(
  "$ROOT/tools/setup_env.sh" "$ROOT/setup.py" "$ROOT/requirements/build.txt"
  "$ROOT/requirements/runtime.txt" "$ROOT/requirements/mminstall.txt" "$ROOT/requirements/tests.txt"
)
stamp_hash=$(cat "${stamp_inputs[@]}" 2>/dev/null | sha256sum | cut -d' ' -f1)
STAMP="$VENV/.mmrvos-setup-stamp"

check_env() {
  "$VENV/bin/python" - <<'PY' 2>/dev/null
import importlib.util, sys
import mmcv, mmcv._ext  # noqa: F401  (the compiled ops, not mmcv-lite)
import mmengine, mmdet, mmaction, transformers  # noqa: F401
import mmrvos  # noqa: F401
assert mmcv.__version__ == '2.1.0', mmcv.__version__
for banned in ('torchvision', 'timm'):
    if importlib.util.find_spec(banned) is not None:
        sys.exit(f'{banned} is installed')
PY
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$stamp_hash" ] && check_env; then
  say "environment $VENV is up to date ($(( $(date +%s) - t0 )) s). Activate it with: source $VENV/bin/activate"
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment $VENV with $($PYTHON_BIN --version)"
  "$PYTHON_BIN" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check --progress-bar off)

say "1/7 $TORCH_SPEC"
"${PIP[@]}" "$TORCH_SPEC"
say "2/7 build tooling (setuptools<81, wheel, ninja)"
"${PIP[@]}" -r "$ROOT/requirements/build.txt"
say "3/7 runtime and test dependencies"
"${PIP[@]}" -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/tests.txt" "$TORCH_SPEC" \
  -r "$ROOT/requirements/build.txt"
say "4/7 mmengine (no deps: it would pull a second OpenCV)"
"${PIP[@]}" --no-deps mmengine==0.10.7

say "5/7 mmcv $MMCV_VERSION with compiled ops"
if "$PY" -c "import mmcv, mmcv._ext, sys; sys.exit(mmcv.__version__ != '$MMCV_VERSION')" 2>/dev/null; then
  say "    mmcv $MMCV_VERSION with ops already installed"
else
  cuda_env=$(PY="$PY" bash "$ROOT/tools/misc/build_mmcv.sh" --print-arch)
  torch_tag=$("$PY" -c "import torch; print(torch.__version__)")
  if [ -n "$cuda_env" ]; then
    torch_tag="$torch_tag-sm$cuda_env${MMRVOS_MMCV_CUDA_OPS:+-subset}"
    say "    CUDA torch and nvcc found: building the CUDA ops too (sm $cuda_env)"
  fi
  WHEELHOUSE="$WHEELHOUSE_ROOT/$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')-torch-$torch_tag"
  if ! ls "$WHEELHOUSE"/mmcv-$MMCV_VERSION-*.whl >/dev/null 2>&1; then
    say "    compiling mmcv $MMCV_VERSION from source: this takes about 20 minutes on 2 cores the first time"
    say "    (the wheel is then kept in $WHEELHOUSE and later set-ups take seconds)"
    PY="$PY" bash "$ROOT/tools/misc/build_mmcv.sh" "$WHEELHOUSE"
  else
    say "    using the cached wheel in $WHEELHOUSE"
  fi
  "${PIP[@]}" --no-deps "$WHEELHOUSE"/mmcv-$MMCV_VERSION-*.whl
fi

say "6/7 mmdet 3.3.0 and mmaction2 1.2.0 (no deps: their OpenCV/decord pins conflict)"
"${PIP[@]}" --no-deps mmdet==3.3.0 mmaction2==1.2.0
say "7/7 mmrvos (editable)"
"${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT"

for banned in torchvision timm; do
  if "$PY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('$banned') is None)"; then
    say "removing $banned: it breaks mmengine's Runner with the CPU torch build"
    "$PY" -m pip uninstall -y "$banned"
  fi
done

if ! check_env; then
  say "the environment does not import; run: $PY -c 'import mmrvos'"
  exit 1
fi
echo "$stamp_hash" > "$STAMP"
say "done in $(( $(date +%s) - t0 )) s. Activate with: source $VENV/bin/activate"

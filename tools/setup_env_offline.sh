#!/usr/bin/env bash
# Installs mmrvos on a machine that has Python with torch but no package registry (for example a lent
# GPU machine whose image ships a CUDA torch), from a folder prepared on a machine that has one.
#
#   bash tools/setup_env_offline.sh --download DIR [PYTHON_VERSION]   # connected machine (default 3.12)
#   bash tools/setup_env_offline.sh DIR                                # offline machine, in the repo root
#
# DIR holds the OpenMMLab wheels (mmengine 0.10.7, mmdet 3.3.0, mmaction2 1.2.0), the small runtime
# dependencies such an image usually lacks (OFFLINE_EXTRAS below; add more as arguments), setuptools<81
# (mmcv's build imports pkg_resources) and the mmcv 2.1.0 source. On the offline machine everything is
# installed into $PYTHON (default python3) with --no-index --no-deps, mmcv is compiled there by
# tools/misc/build_mmcv.sh (with the CUDA ops when torch sees a GPU and nvcc is present;
# MMRVOS_MMCV_CUDA_OPS=soc keeps only the kernels mmrvos's models call), then mmrvos in editable mode.
# Never torchvision/timm on the CPU machines: this script installs neither (a GPU image may have them).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-python3}
OFFLINE_EXTRAS=(addict yapf platformdirs termcolor terminaltables pycocotools shapely 'importlib_metadata<8.8')
say() { printf '[setup-offline] %s\n' "$*"; }

if [ "${1:-}" = "--download" ]; then
  DIR=$2
  PYVER=${3:-3.12}
  mkdir -p "$DIR"
  platforms=()
  for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_24_x86_64 manylinux_2_17_x86_64 \
           manylinux2014_x86_64 manylinux1_x86_64; do platforms+=(--platform "$p"); done
  say "wheels for CPython $PYVER into $DIR"
  "$PY" -m pip download --disable-pip-version-check -q --no-deps --only-binary=:all: \
    --python-version "$PYVER" --implementation cp "${platforms[@]}" -d "$DIR" \
    mmengine==0.10.7 mmdet==3.3.0 mmaction2==1.2.0 'setuptools>=77.0.3,<81' "${OFFLINE_EXTRAS[@]}" "${@:4}"
  say "mmcv 2.1.0 source"
  "$PY" -m pip download --disable-pip-version-check -q --no-deps --no-binary :all: \
    --no-build-isolation mmcv==2.1.0 -d "$DIR"
  du -sh "$DIR"
  exit 0
fi

DIR=$(cd "${1:?usage: setup_env_offline.sh DIR | --download DIR [PYTHON_VERSION]}" && pwd)
t0=$(date +%s)
"$PY" -c 'import torch' || { say "$PY has no torch: install torch first"; exit 1; }
say "wheels from $DIR"
"$PY" -m pip install --disable-pip-version-check -q --no-index --no-deps "$DIR"/*.whl
if ! "$PY" -c "import mmcv, mmcv._ext, sys; sys.exit(mmcv.__version__ != '2.1.0')" 2>/dev/null; then
  PY="$PY" bash "$ROOT/tools/misc/build_mmcv.sh" "$DIR/built" "$(ls "$DIR"/mmcv-2.1.0.tar.gz)"
  "$PY" -m pip install --disable-pip-version-check -q --no-index --no-deps "$DIR"/built/mmcv-2.1.0-*.whl
fi
say "mmrvos (editable)"
# setuptools' develop command runs a nested pip: keep it off the index and out of build isolation
if ! PIP_NO_INDEX=1 PIP_NO_BUILD_ISOLATION=0 "$PY" -m pip install --disable-pip-version-check -q --no-index \
    --no-deps --no-build-isolation -e "$ROOT"; then
  site=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$ROOT" > "$site/mmrvos-offline.pth"
  say "editable install refused; $ROOT put on the path by $site/mmrvos-offline.pth instead"
fi
"$PY" -c 'import mmcv._ext, mmdet, mmaction, mmrvos; print("mmrvos", mmrvos.__version__, "mmcv ops OK")'
say "done in $(( $(date +%s) - t0 )) s"

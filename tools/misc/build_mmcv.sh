#!/usr/bin/env bash
# Builds the mmcv 2.1.0 wheel with its compiled ops for the Python (and torch) of $PY into WHEELHOUSE.
# Used by tools/setup_env.sh and tools/setup_env_offline.sh.
#
#   PY=python3 bash tools/misc/build_mmcv.sh WHEELHOUSE [MMCV_SDIST]
#   PY=python3 bash tools/misc/build_mmcv.sh --print-arch   # the GPU architecture it would build for
#
# * CPU torch, or no nvcc: mmcv's CPU ops only (~20 minutes on 2 cores), from MMCV_SDIST or the index.
# * A CUDA torch that sees a GPU, and nvcc on PATH: the CUDA ops too, for that GPU's architecture. mmcv
#   2.1.0's CUDA sources include a header current torch no longer ships (THC/THCAtomics.cuh), so the
#   source is unpacked and ported first (tools/misc/prepare_mmcv_source.py). MMRVOS_MMCV_CUDA_OPS
#   restricts the CUDA kernels: "soc" = the two that mmrvos's models call (deformable attention and the
#   focal loss), or a list of kernel-file prefixes; unset = all of them.
#   MAX_JOBS defaults to the number of cores.
set -euo pipefail
PY=${PY:-python3}

# MMRVOS_CUDA_ARCH (e.g. 9.0) builds for that architecture without looking for a GPU
arch=${MMRVOS_CUDA_ARCH:-$("$PY" - <<'PY'
import shutil, torch
if torch.version.cuda and torch.cuda.is_available() and shutil.which('nvcc'):
    major, minor = torch.cuda.get_device_capability(0)
    print(f'{major}.{minor}')
PY
)}
if [ "${1:-}" = "--print-arch" ]; then
  echo "$arch"
  exit 0
fi
WHEELHOUSE=${1:?usage: build_mmcv.sh WHEELHOUSE [MMCV_SDIST] | --print-arch}
SDIST=${2:-}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VERSION=2.1.0
PIP=("$PY" -m pip --disable-pip-version-check)
export MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)}
mkdir -p "$WHEELHOUSE"
if [ -z "$arch" ]; then
  echo "[build_mmcv] mmcv $VERSION with CPU ops (MAX_JOBS=$MAX_JOBS)"
  "${PIP[@]}" wheel --progress-bar off --no-build-isolation --no-deps "${SDIST:-mmcv==$VERSION}" -w "$WHEELHOUSE"
  exit 0
fi

export FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST="$arch"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$SDIST" ]; then
  "${PIP[@]}" download --no-deps --no-binary :all: --no-build-isolation "mmcv==$VERSION" -d "$work"
  SDIST=$(ls "$work"/mmcv-$VERSION.tar.gz)
fi
tar xzf "$SDIST" -C "$work"
ops=()
case "${MMRVOS_MMCV_CUDA_OPS:-}" in
  "") ;;
  soc) ops=(--cuda-ops) ;;
  *) read -r -a names <<< "$MMRVOS_MMCV_CUDA_OPS"; ops=(--cuda-ops "${names[@]}") ;;
esac
"$PY" "$HERE/prepare_mmcv_source.py" "$work/mmcv-$VERSION" "${ops[@]}"
echo "[build_mmcv] mmcv $VERSION with CPU and CUDA ops for sm_${arch/./} (MAX_JOBS=$MAX_JOBS)"
"${PIP[@]}" wheel --progress-bar off --no-build-isolation --no-deps --no-index "$work/mmcv-$VERSION" \
  -w "$WHEELHOUSE"

#!/usr/bin/env bash
# Sourced by tools/dist_*.sh and tools/slurm_train.sh: sets PYTHON to the project environment's python.
#
# Order: $PYTHON if set; the python of $MMRVOS_VENV, else of .venv/ in the repository (what `make setup`
# creates); else python3 on PATH. Stops with one line if that python cannot import torch.
if [ -z "${PYTHON:-}" ]; then
  _mmrvos_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  for _venv in "${MMRVOS_VENV:-}" "$_mmrvos_root/.venv"; do
    if [ -n "$_venv" ] && [ -x "$_venv/bin/python" ]; then
      PYTHON="$_venv/bin/python"
      break
    fi
  done
  PYTHON=${PYTHON:-$(command -v python3 || command -v python || echo python3)}
fi
if ! "$PYTHON" -c 'import torch' >/dev/null 2>&1; then
  echo "error: $PYTHON cannot import torch; set PYTHON=/path/to/env/bin/python or MMRVOS_VENV=/path/to/env" >&2
  exit 1
fi

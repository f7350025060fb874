#!/usr/bin/env bash
# Distributed training with torchrun (mmengine's DDP):  bash tools/dist_train.sh CONFIG GPUS [train.py args]
#
# GPUS is the number of processes per node (on a machine without CUDA they train on CPU with gloo).
# torchrun is the environment's own (`python -m torch.distributed.run`): the python of $PYTHON, else of the
# project environment ($MMRVOS_VENV or .venv/ next to tools/, as `make setup` creates), else python3 on
# PATH; the environment does not need to be activated.
set -euo pipefail
source "$(dirname "$0")/find_python.sh"

CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname "$0")/..":${PYTHONPATH:-} \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$(dirname "$0")/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"

# LBDT-4 trained on Ref-YouTube-VOS with the official recipe (scripts/train_ytvos.sh: 2 GPUs x 8, 15 epochs);
# every frame is segmented with its reference frame. The metric writes the submission zip.
_base_ = [
    '../_base_/models/lbdt_r50.py',
    '../_base_/datasets/lbdt_ref_youtube_vos.py',
    '../_base_/schedules/lbdt_adamw_15e.py',
    '../_base_/default_runtime.py',
]

train_cfg = dict(val_interval=15)
val_evaluator = dict(type='RefYouTubeVOSMetric', outfile_prefix='{work_dir}/ref-ytvos-submission')
test_evaluator = val_evaluator

default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5))

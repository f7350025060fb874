# SOC, Video Swin-T, trained from scratch (Kinetics-400 backbone, frozen roberta-base) on
# Ref-YouTube-VOS: 8 GPUs x 1 window of 8 frames, 30 epochs (scripts/train_ytb.sh of the official code);
# the official optimiser and schedule of ../_base_/schedules/soc_adamw_30e.py.
_base_ = [
    '../_base_/models/soc_video-swin-t.py',
    '../_base_/datasets/ref_youtube_vos.py',
    '../_base_/schedules/soc_adamw_30e.py',
    '../_base_/default_runtime.py',
]

# Ref-YouTube-VOS has no public validation masks: the metric writes the submission zip.
val_evaluator = dict(type='RefYouTubeVOSMetric', outfile_prefix='{work_dir}/ref-ytvos-submission')
test_evaluator = val_evaluator

default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5))

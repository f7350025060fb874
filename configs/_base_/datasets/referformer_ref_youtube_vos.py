# Ref-YouTube-VOS for ReferFormer. Training: one item per (expression, window of 5 frames) in which the
# referred object appears (the official code keeps every window of 5 and redraws a random item when the object
# is absent from all sampled frames); each item draws 5 frames of the whole video by ReferFormer's
# local/global sampling, flips, distorts and resizes them (./referformer_pipelines.py; the anchor frame is
# drawn at random, the official anchor is the window's first frame). Test: whole videos at 360/640.
_base_ = ['./ref_youtube_vos.py', './referformer_pipelines.py']

clip_length = 5
train_dataloader = dict(
    dataset=dict(clip_length=clip_length, pipeline={{_base_.rf_ytvos_train_pipeline}}))
# Ref-YouTube-VOS has no public validation masks: the metric writes the submission zip.
val_evaluator = dict(type='RefYouTubeVOSMetric', outfile_prefix='{work_dir}/ref-ytvos-submission')
test_evaluator = val_evaluator

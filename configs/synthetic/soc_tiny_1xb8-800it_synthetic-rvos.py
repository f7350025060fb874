# Tiny SOC trained from scratch on the synthetic referring-video benchmark (docs/synthetic_benchmark.md)
# in minutes on a 2-core CPU: the model of configs/_base_/models/soc_tiny.py (the settings that differ from
# the official recipe are listed there) on a tokenizer built from the generator's sentences, 96x160 frames,
# one process with 8 windows of 2 frames per iteration, the 800-iteration schedule of
# configs/_base_/schedules/adamw_cosine_800it.py (lr 2e-3).
# Run everything with `python tools/run_synthetic_benchmark.py`.
_base_ = [
    '../_base_/models/soc_tiny.py',
    '../_base_/datasets/ref_youtube_vos.py',
    '../_base_/schedules/adamw_cosine_800it.py',
    '../_base_/default_runtime.py',
]

data_root = 'data/synthetic_rvos/'
# Written by tools/run_synthetic_benchmark.py (mmrvos.testing.build_tiny_roberta_tokenizer on sentences.txt).
tokenizer_path = data_root + 'tiny_roberta'
clip_length = 2  # 8 clips of 2 frames per batch (16 frames): twice the sentences of 4 x 4 at the same cost
scale = (160, 96)  # (w, h): the generator's frame size

model = dict(text_encoder=dict(tokenizer_path=tokenizer_path))

# The Ref-YouTube-VOS pipelines (`_base_` is the merged base config here) at the generator's frame size.
train_pipeline = _base_.train_pipeline
train_pipeline[1].transforms[-1].scale = scale  # Resize, after the text-aware flip
test_pipeline = _base_.test_pipeline
test_pipeline[1].transforms[1].scale = scale  # Resize, before the annotations are loaded
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(data_root=data_root, clip_length=clip_length, pipeline=train_pipeline))
# The synthetic valid split has Annotations: whole videos, J&F computed offline.
val_dataloader = dict(
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        exclude_ann_file=None,
        expected_num_videos=None,
        data_prefix=dict(img='valid/JPEGImages', ann='valid/Annotations'),
        meta_file='valid/meta.json',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='RefYouTubeVOSMetric', outfile_prefix='{work_dir}/valid_predictions',
    format_only=False, zip_name=None)
test_evaluator = val_evaluator
# demo/video_demo.py (RVOSInferencer): a synthetic video (<= 24 frames) is one window, as in testing.
inference_cfg = dict(window_size=24, window_overlap=0)

# No validation during training: tools/run_synthetic_benchmark.py tests the last checkpoint.
train_cfg = dict(val_interval=_base_.max_iters + 1)
val_cfg = None
val_dataloader = None
val_evaluator = None
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=_base_.max_iters, max_keep_ckpts=1))
log_processor = dict(by_epoch=False, window_size=25)
randomness = dict(seed=0)
env_cfg = dict(mp_cfg=dict(mp_start_method='fork', opencv_num_threads=1))

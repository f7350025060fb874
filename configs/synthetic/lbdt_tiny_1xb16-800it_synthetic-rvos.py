# Tiny LBDT trained from scratch on the synthetic referring-video benchmark (docs/synthetic_benchmark.md) on a
# 2-core CPU: the model of configs/_base_/models/lbdt_tiny.py (two ResNet-18-style streams of 8-64 channels,
# one LBDT layer of width 32, 16-d word table + LSTM) on a random word table of the generator's vocabulary,
# at the generator's frame size, 96x160 (LBDT needs frames whose sides are multiples of the backbone's
# stride 32: 96 = 3 x 32, 160 = 5 x 32; the official 320x320 would cost 6.7x the pixels for 96-pixel
# frames). Each sample is one annotated frame and its reference frame, 16 per iteration, the 800-iteration
# schedule of configs/_base_/schedules/adamw_cosine_800it.py (lr 2e-3).
# Run everything with `python tools/run_synthetic_benchmark.py --config <this file>`.
_base_ = [
    '../_base_/models/lbdt_tiny.py',
    '../_base_/datasets/ref_youtube_vos.py',
    '../_base_/schedules/adamw_cosine_800it.py',
    '../_base_/default_runtime.py',
]

data_root = 'data/synthetic_rvos/'
# Written by tools/run_synthetic_benchmark.py (mmrvos.testing.write_tiny_glove on vocab.txt, 16-d, seed 0).
glove_path = data_root + 'tiny_glove/glove.16d.txt'
scale = (160, 96)  # (w, h): the generator's frame size
# The reference frame: 2 frames before the current one, 2 after it for frames 0 and 1 (ref_fallback='forward':
# with 'first' the current frame 0 would be its own reference, a 1-frame clip that cannot be batched with the
# 2-frame ones). At 1.4-3 px per frame the difference of 2 steps shows a moving object's 3-6 px shift above
# the JPEG and pixel noise.
ref_offset = 2

model = dict(text_encoder=dict(glove_path=glove_path), test_cfg=dict(ref_offset=ref_offset))

# LBDT's sampling (configs/_base_/datasets/lbdt_pipelines.py) at the generator's frame size, with the
# text-aware horizontal flip of the synthetic SOC (the sentences stay true when "left" and "right" swap).
# keep_ratio=False: any video (demo/video_demo.py) is resized to 96x160, a multiple of the stride.
resize = dict(type='Resize', scale=scale, keep_ratio=False)
ref = dict(type='RVOSClipSample', sampling='reference', ref_offset=ref_offset, ref_fallback='forward')
train_pipeline = [
    ref,
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadRVOSFrame'),
            dict(type='LoadRVOSAnnotations'),
            dict(type='TextAwareRandomFlip', prob=0.5),
            resize,
        ]),
    dict(type='PackRVOSInputs'),
]
test_pipeline = [
    dict(ref, current_frames='all'),
    dict(type='TransformBroadcaster', transforms=[dict(type='LoadRVOSFrame'), resize,
                                                  dict(type='LoadRVOSAnnotations')]),
    dict(type='PackRVOSInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    # windows of 8 frames: one item per expression of an 8-frame video, its current frame drawn at random
    dataset=dict(data_root=data_root, clip_length=8, pipeline=train_pipeline))
# The synthetic valid split has Annotations: whole videos, every frame with its reference, J&F offline.
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
# demo/video_demo.py (RVOSInferencer): a synthetic video (<= 24 frames) is one window, every frame with the
# frame ref_offset before it as its reference.
inference_cfg = dict(
    window_size=24, window_overlap=0, model_test_cfg=dict(key_frames='all', ref_offset=ref_offset))

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
auto_scale_lr = dict(enable=False, base_batch_size=16)

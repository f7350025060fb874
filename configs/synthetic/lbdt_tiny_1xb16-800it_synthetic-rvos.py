# Tiny LBDT trained from scratch on the synthetic referring-video benchmark (docs/synthetic_benchmark.md) on a
# 2-core CPU: the model of configs/_base_/models/lbdt_tiny.py (two ResNet-18-style streams of 8-64 channels,
# one LBDT layer of width 32, 16-d word table + LSTM) on a random word table of the generator's vocabulary,
# at the generator's frame size, 96x160 (LBDT needs frames whose sides are multiples of the backbone's
# stride 32: 96 = 3 x 32, 160 = 5 x 32; the official 320x320 would cost 6.7x the pixels for 96-pixel
# frames). Each sample is one annotated frame and its reference frame, 16 per iteration, the 800-iteration
# schedule of configs/_base_/schedules/adamw_cosine_800it.py (lr 2e-3); the data and run settings of the
# synthetic SOC (configs/_base_/datasets/synthetic_rvos.py, configs/_base_/schedules/synthetic_800it.py).
# Run everything with `python tools/run_synthetic_benchmark.py --config <this file>`.
_base_ = [
    '../_base_/models/lbdt_tiny.py',
    '../_base_/datasets/synthetic_rvos.py',
    '../_base_/schedules/synthetic_800it.py',
]

# Written by tools/run_synthetic_benchmark.py (mmrvos.testing.write_tiny_glove on vocab.txt, 16-d, seed 0).
glove_path = 'data/synthetic_rvos/tiny_glove/glove.16d.txt'
# The reference frame: 2 frames before the current one, 2 after it for frames 0 and 1 (ref_fallback='forward':
# with 'first' the current frame 0 would be its own reference, a 1-frame clip that cannot be batched with the
# 2-frame ones). At 1.4-3 px per frame the difference of 2 steps shows a moving object's 3-6 px shift above
# the JPEG and pixel noise.
ref_offset = 2

model = dict(text_encoder=dict(glove_path=glove_path), test_cfg=dict(ref_offset=ref_offset))

# LBDT's sampling (configs/_base_/datasets/lbdt_pipelines.py) in the synthetic SOC's pipelines (`_base_` is
# the merged base config here): its text-aware horizontal flip (the sentences stay true when "left" and
# "right" swap) and resize to the generator's frame size, without keeping the ratio: any video
# (demo/video_demo.py) becomes 96x160, a multiple of the stride.
ref = dict(type='RVOSClipSample', sampling='reference', ref_offset=ref_offset, ref_fallback='forward')
train_pipeline = _base_.train_pipeline
train_pipeline[0] = ref
train_pipeline[1].transforms[-1].keep_ratio = False  # Resize, after the text-aware flip
test_pipeline = _base_.test_pipeline
test_pipeline[0] = dict(ref, current_frames='all')
test_pipeline[1].transforms[1].keep_ratio = False  # Resize, before the annotations are loaded
# windows of 8 frames: one item per expression of an 8-frame video, its current frame drawn at random
clip_length = 8
train_dataloader = dict(batch_size=16, dataset=dict(clip_length=clip_length, pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# demo/video_demo.py (RVOSInferencer): a synthetic video (<= 24 frames) is one window, as in testing, every
# frame with the frame ref_offset before it as its reference.
inference_cfg = dict(window_size=24, window_overlap=0, model_test_cfg=dict(ref_offset=ref_offset))
auto_scale_lr = dict(enable=False, base_batch_size=16)

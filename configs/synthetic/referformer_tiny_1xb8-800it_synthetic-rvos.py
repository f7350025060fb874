# Tiny ReferFormer trained from scratch on the synthetic referring-video benchmark
# (docs/synthetic_benchmark.md) on a 2-core CPU, beside the tiny SOC of soc_tiny_1xb8-800it_synthetic-rvos.py:
# the model of configs/_base_/models/referformer_tiny.py (the tiny SOC's widths, backbone and random RoBERTa
# with ReferFormer's fusion neck, deformable transformer with sentence-feature queries, cross-modal FPN and
# dynamic mask head) on the tokenizer built from the generator's sentences; the same data, windows (8 clips
# of 2 consecutive frames per iteration, the SOC pipeline at 96x160) and 800-iteration schedule as the tiny
# SOC. ReferFormer's own 5-frame sampling and multi-scale augmentation (configs/_base_/datasets/referformer_*)
# are not used here: the synthetic videos have 8 frames of one size.
# Run everything with `python tools/run_synthetic_benchmark.py --config <this file>`.
_base_ = [
    '../_base_/models/referformer_tiny.py',
    '../_base_/datasets/synthetic_rvos.py',
    '../_base_/schedules/synthetic_800it.py',
]

# Written by tools/run_synthetic_benchmark.py (mmrvos.testing.build_tiny_roberta_tokenizer on sentences.txt).
tokenizer_path = 'data/synthetic_rvos/tiny_roberta'

model = dict(text_encoder=dict(tokenizer_path=tokenizer_path))
# demo/video_demo.py (RVOSInferencer): a synthetic video (<= 24 frames) is one window, as in testing.
inference_cfg = dict(window_size=24, window_overlap=0)

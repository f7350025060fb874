# Tiny SOC trained from scratch on the synthetic referring-video benchmark (docs/synthetic_benchmark.md)
# in minutes on a 2-core CPU: the model of configs/_base_/models/soc_tiny.py (the settings that differ from
# the official recipe are listed there) on a tokenizer built from the generator's sentences, 96x160 frames,
# one process with 8 windows of 2 frames per iteration, the 800-iteration schedule of
# configs/_base_/schedules/adamw_cosine_800it.py (lr 2e-3).
# Run everything with `python tools/run_synthetic_benchmark.py`.
_base_ = [
    '../_base_/models/soc_tiny.py',
    '../_base_/datasets/synthetic_rvos.py',
    '../_base_/schedules/synthetic_800it.py',
]

# Written by tools/run_synthetic_benchmark.py (mmrvos.testing.build_tiny_roberta_tokenizer on sentences.txt).
tokenizer_path = 'data/synthetic_rvos/tiny_roberta'

model = dict(text_encoder=dict(tokenizer_path=tokenizer_path))
# demo/video_demo.py (RVOSInferencer): a synthetic video (<= 24 frames) is one window, as in testing.
inference_cfg = dict(window_size=24, window_overlap=0)

# Copyright (c) mmrvos contributors. All rights reserved.
"""Time SOC's eval forward on CPU with random weights (no checkpoint, no download).

Default: the Swin-T model of ``configs/_base_/models/soc_video-swin-t.py``, one clip of 8 frames at
360x640, batch 1, ``torch.no_grad``, 2 threads. The text encoder is a randomly initialised roberta-base
(same architecture) with a small offline tokenizer; its cost is negligible.

Example::

    python tools/analysis_tools/benchmark_soc_cpu.py --frames 8 --height 360 --width 640 --threads 2
"""
import argparse
import os
import tempfile
import time

os.environ.setdefault('HF_HUB_OFFLINE', '1')

import torch  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='SOC eval-forward CPU benchmark (random weights)')
    parser.add_argument('--config', default='_base_/models/soc_video-swin-t.py',
                        help='config under configs/ whose model is timed')
    parser.add_argument('--frames', type=int, default=8)
    parser.add_argument('--height', type=int, default=360)
    parser.add_argument('--width', type=int, default=640)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    return parser.parse_args()


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    from mmrvos.registry import MODELS
    from mmrvos.testing import build_tiny_roberta_tokenizer, demo_rvos_inputs, get_model_cfg
    from mmrvos.utils import register_all_modules
    register_all_modules()

    cfg = get_model_cfg(args.config)
    cfg.backbone.pretrained = None
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = build_tiny_roberta_tokenizer(tmp)
        cfg.text_encoder = dict(
            type='RoBERTaTextEncoder', tokenizer_path=tokenizer, embed_dims=cfg.text_encoder.embed_dims,
            model_config=dict(vocab_size=50265, max_position_embeddings=514, type_vocab_size=1,
                              layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2))
        torch.manual_seed(0)
        model = MODELS.build(cfg)
    model.init_weights()
    model.eval()
    data = demo_rvos_inputs(num_frames=args.frames, image_shapes=((args.height, args.width), ),
                            texts=['a person riding a bike on the left'])
    data = model.data_preprocessor(data, False)
    times = []
    with torch.no_grad():
        for i in range(args.warmup + args.repeats):
            load = os.getloadavg()[0]
            start = time.perf_counter()
            model.predict(data['inputs'], data['data_samples'])
            elapsed = time.perf_counter() - start
            warmup = ' (warm-up)' if i < args.warmup else ''
            print(f'run {i}{warmup}: {elapsed:.2f} s (1-min load average before: {load:.2f})', flush=True)
            if i >= args.warmup:
                times.append(elapsed)
    params = sum(p.numel() for p in model.parameters())
    print(f'SOC eval forward (predict), {args.config}, {args.frames} frames {args.height}x{args.width}, '
          f'{args.threads} threads, {params / 1e6:.1f} M parameters: '
          f'median {sorted(times)[len(times) // 2]:.2f} s, min {min(times):.2f} s over {len(times)} runs')


if __name__ == '__main__':
    main()

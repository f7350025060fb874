# Copyright (c) mmrvos contributors. All rights reserved.
"""Segment the objects that sentences refer to in your own video.

Example::

    python demo/video_demo.py demo/demo.mp4 configs/soc/<config>.py <checkpoint>.pth \\
        --texts "a person riding a bike" "a dog running" \\
        --out-dir outputs/demo --overlay outputs/demo/overlay.mp4 --json outputs/demo/masks.json

Writes ``<out-dir>/<frame>.png`` palette masks (object id ``i`` for the ``i``-th sentence), an overlay
video (``.mp4`` or ``.gif``) with the sentences drawn, and optionally the masks as COCO RLE in a JSON.
Long videos are processed window by window (``--window-size``, ``--window-overlap``).
"""
import argparse
import os
import sys

from mmengine.config import Config, DictAction


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='mmrvos video demo: referring video object segmentation')
    parser.add_argument('inputs', help='a video file (.mp4, .avi, ...) or a folder of frames')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', nargs='?', default=None, help='checkpoint file')
    parser.add_argument('--texts', nargs='*', default=None, required=True,
                        help='one or more referring sentences (quote each one)')
    parser.add_argument('--out-dir', default='outputs/demo', help='folder for the per-frame palette PNGs')
    parser.add_argument('--no-masks', action='store_true', help='do not write the palette PNGs')
    parser.add_argument('--overlay', default=None,
                        help='overlay video (.mp4 or .gif); default <out-dir>/overlay.mp4, "none" to skip')
    parser.add_argument('--json', default=None, help='also write the masks as COCO RLE to this JSON file')
    parser.add_argument('--device', default=None, help='cpu, cuda:0, ... (default: GPU if available)')
    parser.add_argument('--window-size', type=int, default=None, help='frames per window (config default)')
    parser.add_argument('--window-overlap', type=int, default=None, help='frames shared by windows')
    parser.add_argument('--precision', choices=('fp32', 'bf16'), default=None,
                        help='fp32, or bf16 (torch.autocast; fast on CPUs with AMX); default: the config\'s '
                        'inference_cfg.precision (fp32)')
    parser.add_argument('--fps', type=float, default=25., help='frame rate of a frame folder for the overlay')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='override config settings, key=value pairs as in tools/test.py')
    parser.add_argument('--strict', action=argparse.BooleanOptionalAction, default=True,
                        help='the checkpoint must hold exactly the model\'s keys (default); --no-strict '
                        'loads the matching keys of a partial checkpoint and lists the others')
    parser.add_argument('--official-quirk', action=argparse.BooleanOptionalAction, default=None,
                        help='model.test_cfg.official_layer0_quirk; default: on for checkpoints converted '
                        'from the official SOC release (their meta says so), off otherwise')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    # imported here so that `--help` is fast
    from mmrvos.apis import RVOSInferencer, RVOSInputError, clean_texts, open_frame_source
    from mmrvos.utils.checkpoint import CheckpointError, quirk_choice

    overlay = args.overlay
    if overlay is None:
        overlay = os.path.join(args.out_dir, 'overlay.mp4')
    elif overlay.lower() == 'none':
        overlay = None
    try:
        # check the cheap things before the model is built
        texts = clean_texts(args.texts or [])
        if overlay is not None and not overlay.lower().endswith(('.mp4', '.gif')):
            raise RVOSInputError(f'--overlay must end with .mp4 or .gif, got {overlay!r}')
        for path, what in ((args.config, 'config'), (args.checkpoint, 'checkpoint')):
            if path is not None and not os.path.isfile(path):
                raise RVOSInputError(f'{what} file {path!r} does not exist')
        video = open_frame_source(args.inputs, fps=args.fps)
        config = args.config
        if args.cfg_options:
            config = Config.fromfile(args.config)
            config.merge_from_dict(args.cfg_options)
        inferencer = RVOSInferencer(config, args.checkpoint, device=args.device,
                                    show_progress=not args.no_progress, strict=args.strict,
                                    official_quirk=quirk_choice(args.official_quirk, args.cfg_options),
                                    precision=args.precision)
        result = inferencer(video, texts, out_dir=args.out_dir, save_masks=not args.no_masks,
                            overlay_path=overlay, json_path=args.json, window_size=args.window_size,
                            window_overlap=args.window_overlap)
    except (RVOSInputError, CheckpointError) as e:
        print(f'\nerror: {e}', file=sys.stderr)
        return 2
    print(f'\n{result["video"]}: {result["num_frames"]} frames, {len(texts)} sentence(s)')
    for i, text in enumerate(texts):
        print(f'  object {i + 1}: "{text}" (mean score {result["mean_scores"][i]:.3f})')
    for key in ('mask_dir', 'overlay_path', 'json_path'):
        if result[key]:
            print(f'  {key}: {result[key]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

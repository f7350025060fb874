# Copyright (c) mmrvos contributors. All rights reserved.
"""Issue 19, case 8: paths and messages a user trips on.

- ``test_evaluator.outfile_prefix`` follows ``--work-dir`` (``{work_dir}`` filled in by RVOSTestLoop);
- a frame of another size is reported as such, naming the frame file (not as a mask of the wrong size);
- a video corrupt mid-stream: the decodable frames are written, the error names the first bad frame;
- docs/get_started.md names the checkpoint the synthetic config saves.
"""
import re

import av
import numpy as np
import pytest
from PIL import Image
from robust_eval_utils import copy_fixture, run_test_tool, tiny_soc_model, write_test_run

from mmrvos.apis import RVOSInputError, VideoFileSource, iter_windows
from mmrvos.datasets import RefYouTubeVOSDataset
from mmrvos.testing import get_config, get_repo_root, load_script


def test_outfile_prefix_follows_work_dir(tmp_path, monkeypatch):
    model = tiny_soc_model(tmp_path)
    cfg_file, ckpt = write_test_run(tmp_path, model, copy_fixture(tmp_path, 'ref_youtube_vos'))
    cwd = tmp_path / 'cwd'
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    work_dir = tmp_path / 'my_work_dir'
    metrics = run_test_tool(cfg_file, ckpt, '--work-dir', work_dir)
    pngs = sorted(p.relative_to(work_dir / 'predictions/Annotations').parts[:2]
                  for p in (work_dir / 'predictions/Annotations').rglob('*.png'))
    assert len(pngs) == 33 and sorted(set(pngs)) == [('ytvid_a', '0'), ('ytvid_a', '1'), ('ytvid_a', '2'),
                                                      ('ytvid_b', '0')]
    assert list(cwd.iterdir()) == []  # nothing under ./work_dirs or a literal '{work_dir}'
    # a complete run says so: every expression of the split was loaded and scored
    assert metrics['ref_ytvos/num_expressions'] == 4
    assert metrics['coverage/expressions'] == metrics['coverage/loaded'] == 4
    assert not any(k in metrics for k in ('coverage/skipped', 'coverage/stopped_at'))


def test_unfilled_work_dir_field_is_refused(tmp_path):
    from mmrvos.registry import METRICS
    metric = METRICS.build(dict(type='RefYouTubeVOSMetric', outfile_prefix='{work_dir}/predictions'))
    with pytest.raises(ValueError,
                       match=r"outfile_prefix '\{work_dir\}/predictions' has a \{work_dir\} field"):
        metric.annotations_dir


def ytvos_test_set(root, with_masks=True):
    prefix = dict(img='train/JPEGImages')
    if with_masks:
        prefix['ann'] = 'train/Annotations'
    return RefYouTubeVOSDataset(
        data_root=str(root), ann_file='meta_expressions/train/meta_expressions.json',
        meta_file='train/meta.json', data_prefix=prefix, test_mode=True,
        pipeline=[dict(type='RVOSClipSample'),
                  dict(type='TransformBroadcaster', transforms=[
                      dict(type='LoadRVOSFrame'), dict(type='Resize', scale=(96, 64), keep_ratio=True),
                      dict(type='LoadRVOSAnnotations')]),
                  dict(type='PackRVOSInputs')])


@pytest.mark.parametrize('with_masks', [True, False])
def test_frame_of_another_size_is_named(tmp_path, with_masks):
    root = copy_fixture(tmp_path, 'ref_youtube_vos')
    path = root / 'train/JPEGImages/ytvid_b/00005.jpg'
    Image.open(path).resize((40, 30)).save(path)  # 48x32 (WxH) -> 40x30
    with pytest.raises(ValueError, match=r'frame .*ytvid_b/00005\.jpg has size 30x40 \(HxW\)') as info:
        ytvos_test_set(root, with_masks)[3]
    assert 'mask of shape' not in str(info.value)


def write_mjpeg_avi(path, num_frames=12):
    """An MJPEG AVI of ``num_frames`` 48x64 frames, then its second half garbled (a deterministic pattern
    that makes FFmpeg's decoder fail after the first frames)."""
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('mjpeg', rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, 'yuvj420p'
        for t in range(num_frames):
            img = np.zeros((48, 64, 3), np.uint8)
            img[:, t * 5:t * 5 + 8] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format='rgb24')):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + len(data) // 8):
        data[i] = (data[i] * 7 + 13) % 256
    path.write_bytes(bytes(data))
    return str(path)


def test_video_corrupt_mid_stream_keeps_decodable_frames_and_names_the_first_bad_one(tmp_path):
    source = VideoFileSource(write_mjpeg_avi(tmp_path / 'broken.avi'))
    decoded = []
    with pytest.raises(RVOSInputError,
                       match=r"broken\.avi' at frame (\d+) \(the first undecodable frame") as info:
        for window, carried in iter_windows(iter(source), window_size=5, overlap=1):
            decoded.extend(name for name, _ in window[carried:])
    first_bad = int(re.search(r'at frame (\d+)', str(info.value)).group(1))
    assert 0 < first_bad < 12
    # every decodable frame reached the consumer, in windows, before the error
    assert decoded == [f'{i:05d}' for i in range(first_bad)]


def test_inferencer_writes_the_decodable_frames_of_a_corrupt_video(tmp_path):
    double = load_script('tests/test_apis/rvos_model_double.py')
    from mmrvos.apis import RVOSInferencer
    inferencer = RVOSInferencer(double.double_config(str(tmp_path)), device='cpu', show_progress=False)
    out_dir = tmp_path / 'out'
    with pytest.raises(RVOSInputError, match=r'at frame (\d+)') as info:
        inferencer(write_mjpeg_avi(tmp_path / 'broken.avi'), ['the white bar'], out_dir=str(out_dir))
    first_bad = int(re.search(r'at frame (\d+)', str(info.value)).group(1))
    assert sorted(p.name for p in out_dir.rglob('*.png')) == [f'{i:05d}.png' for i in range(first_bad)]


def test_get_started_names_the_checkpoint_the_synthetic_config_saves():
    cfg = get_config('synthetic/soc_tiny_1xb8-800it_synthetic-rvos.py')
    saved = f'iter_{cfg.train_cfg.max_iters}.pth'
    with open(f'{get_repo_root()}/docs/get_started.md') as f:
        named = set(re.findall(r'iter_\d+\.pth', f.read()))
    assert named == {saved}


def test_synthetic_tokenizer_command_and_the_missing_tokenizer_message(tmp_path):
    from mmrvos.registry import MODELS
    text_encoder = get_config('synthetic/soc_tiny_1xb8-800it_synthetic-rvos.py').model.text_encoder.to_dict()
    data_root = tmp_path / 'synthetic_rvos'
    # the configs' random RoBERTa without its tokenizer: the error names the command that builds it
    with pytest.raises(FileNotFoundError, match=r'tiny_roberta is not a local folder .*'
                       r'run_synthetic_benchmark\.py --tokenizer-only --data-root'):
        MODELS.build(dict(text_encoder, tokenizer_path=str(data_root / 'tiny_roberta')))
    # the command: the generator's sentences.txt -> <data root>/tiny_roberta, which the config then loads
    tool = load_script('tools/run_synthetic_benchmark.py')
    with pytest.raises(SystemExit, match='no .*sentences.txt: generate the data first'):
        tool.main(['--tokenizer-only', '--data-root', str(data_root)])
    data_root.mkdir()
    (data_root / 'sentences.txt').write_text('the red cube moving left\nthe small blue ball\n')
    (data_root / 'vocab.txt').write_text('ball blue cube left moving red small the\n')
    assert tool.main(['--tokenizer-only', '--data-root', str(data_root)]) == 0
    encoder = MODELS.build(dict(text_encoder, tokenizer_path=str(data_root / 'tiny_roberta')))
    tokens = encoder.tokenizer(['the red cube'])['input_ids'][0]
    assert tokens[0] == 0 and tokens[-1] == 2 and max(tokens) < text_encoder['model_config']['vocab_size']
    # ... and LBDT's word table of vocab.txt, which the LBDT config then loads: every word has a vector
    glove = get_config('synthetic/lbdt_tiny_1xb16-800it_synthetic-rvos.py').model.text_encoder.to_dict()
    encoder = MODELS.build(dict(glove, glove_path=str(data_root / tool.GLOVE_FILE)))
    words, padding = encoder.embed_words(['the small blue ball'])
    assert not padding[0, :4].any() and words[0, :4].abs().sum(1).gt(0).all()

# Copyright (c) mmrvos contributors. All rights reserved.
"""The dataset converters and the fixture generator (tools/)."""
import json

import av
import numpy as np
from dataset_test_utils import DATA, FIXTURE_NAMES, load_tool
from PIL import Image


def test_committed_fixtures_match_the_generator(tmp_path):
    """tests/data equals a fresh run of the generator (or, without tests/data, two runs agree)."""
    load_tool('tools/misc/make_test_fixtures.py').make_all(str(tmp_path))
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob('*') if p.is_file())
    committed = sorted(p.relative_to(DATA) for p in DATA.rglob('*')
                       if p.is_file() and p.parts[len(DATA.parts)] in FIXTURE_NAMES)
    assert generated == committed
    for rel in generated:
        new, old = tmp_path / rel, DATA / rel
        if rel.suffix in ('.json', '.txt', '.csv'):
            assert new.read_text() == old.read_text(), rel
        elif rel.suffix in ('.png', '.jpg'):
            np.testing.assert_array_equal(np.asarray(Image.open(new)), np.asarray(Image.open(old)), str(rel))


def test_davis_converter_interleaves_annotators(tmp_path):
    fixtures = load_tool('tools/misc/make_test_fixtures.py')
    fixtures.make_ref_davis(str(tmp_path / 'out'), str(tmp_path / 'raw'))
    meta = json.loads((tmp_path / 'out/meta_expressions/train/meta_expressions.json').read_text())
    video = meta['videos']['dv-train']
    assert video['frames'] == ['00000', '00001', '00002', '00003']
    assert [(k, e['obj_id'], e['exp'].split()[:2]) for k, e in video['expressions'].items()] == [
        (str(4 * k + a), str(k + 1), prefix) for k in range(2)
        for a, prefix in enumerate([['a1', 'first'], ['a1', 'full'], ['a2', 'first'], ['a2', 'full']])
    ]
    objects = json.loads((tmp_path / 'out/valid/meta.json').read_text())['videos']['dv-val']['objects']
    assert objects == {'1': {'category': 'person'}, '2': {'category': 'dog'}}
    assert (tmp_path / 'out/valid/Annotations/dv-val/00003.png').is_file()
    assert (tmp_path / 'raw/ref_davis_raw/DAVIS/JPEGImages/480p/dv-val').is_dir()  # copied, not moved


def test_davis_text_parsing(tmp_path):
    converter = load_tool('tools/dataset_converters/ref_davis17_to_ytvos.py')
    path = tmp_path / 'annot.txt'
    path.write_text(
        'clasic-car 2 "a  red car"\nclasic-car 1 "the   driver on the left"\n', encoding='latin-1')
    assert converter.read_expressions(str(path), 'latin-1') == {
        'classic-car': [dict(exp='the driver on the left', obj_id='1'),
                        dict(exp='a red car', obj_id='2')]
    }


def test_a2d_frame_extraction(tmp_path):
    clips = tmp_path / 'Release' / 'clips320H'
    clips.mkdir(parents=True)
    levels = [40, 90, 140, 190, 240]
    with av.open(str(clips / 'vid01.mp4'), 'w') as container:
        stream = container.add_stream('mpeg4', rate=24)
        stream.width, stream.height, stream.pix_fmt = 48, 32, 'yuv420p'
        stream.options = {'qscale': '2'}
        for level in levels:
            frame = av.VideoFrame.from_ndarray(np.full((32, 48, 3), level, np.uint8), format='rgb24')
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    extractor = load_tool('tools/dataset_converters/a2d_extract_frames.py')
    assert extractor.extract_all(str(tmp_path), workers=1) == {'vid01': 5}
    frames = sorted((tmp_path / 'Release/frames/vid01').iterdir())
    assert [f.name for f in frames] == [f'{i:05d}.jpg' for i in range(1, 6)]
    means = [float(np.asarray(Image.open(f)).mean()) for f in frames]
    assert np.allclose(means, levels, atol=8)

# Ref-YouTube-VOS for LBDT. The released frames are every 5th frame of the videos, so the official "5 frames
# before" is the previous released frame (ref_offset=1), and the first frame for the first one. Training: a
# random annotated frame of each 8-frame window (the official code iterates over all annotated frames);
# test: every frame of the video, each with its own reference.
_base_ = ['./ref_youtube_vos.py', './lbdt_pipelines.py']

train_dataloader = dict(
    batch_size=8,
    dataset=dict(pipeline=[
        dict(type='RVOSClipSample', sampling='reference', ref_offset=1), {{_base_.lbdt_train_transforms}},
        dict(type='PackRVOSInputs')
    ]))
val_dataloader = dict(dataset=dict(pipeline=[
    dict(type='RVOSClipSample', sampling='reference', current_frames='all', ref_offset=1),
    {{_base_.lbdt_test_transforms}},
    dict(type='PackRVOSInputs')
]))
test_dataloader = val_dataloader

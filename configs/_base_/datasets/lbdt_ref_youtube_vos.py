# Ref-YouTube-VOS for LBDT. Training: a random annotated frame of each 8-frame window with its reference
# (the official code iterates over all annotated frames); test: every frame of the video with its own.
_base_ = ['./ref_youtube_vos.py', './lbdt_pipelines.py']

train_dataloader = dict(batch_size=8, dataset=dict(pipeline={{_base_.lbdt_ytvos_train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.lbdt_ytvos_test_pipeline}}))
test_dataloader = val_dataloader

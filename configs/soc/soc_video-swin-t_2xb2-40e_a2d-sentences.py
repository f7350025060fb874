# SOC, Video Swin-T, trained from scratch on A2D-Sentences (scripts/train_a2d.sh + configs/a2d_sentences.yaml:
# 2 GPUs x 2 windows of 8 frames whose annotated centre frame is supervised, 40 epochs, lr 5e-5,
# backbone 5e-6, lr x0.2 at epoch 15). Evaluation scores all queries on the annotated frame.
_base_ = [
    '../_base_/models/soc_video-swin-t.py',
    '../_base_/datasets/a2d_sentences.py',
    '../_base_/schedules/soc_adamw_30e.py',
    '../_base_/default_runtime.py',
]

model = dict(test_cfg=dict(query_selection='all', key_frames='annotated', mask_upsample='via_input'))

optim_wrapper = dict(optimizer=dict(lr=5e-5))
max_epochs = 40
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[15], gamma=0.2)
]

val_evaluator = dict(type='A2DSentencesMetric', protocol='all_queries')
test_evaluator = val_evaluator

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5, save_best='a2d/mAP', rule='greater'))
auto_scale_lr = dict(base_batch_size=4)

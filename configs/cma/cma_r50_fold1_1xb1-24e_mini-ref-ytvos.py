# CMA, ResNet-50, Mini-Ref-YouTube-VOS fold 1 (hengliusky/Few_shot_RVOS scripts/train_ytvos.sh,
# train_ytvos.py, ytvos_engine.py): one GPU, one episode (5 support + 5 query frames) per iteration,
# 36 training classes x 100 episodes per epoch visited class by class, 24 epochs, AdamW lr 1e-4 / weight
# decay 5e-4, lr x0.1 after epochs 3 and 5 (--lr_drop 3 5), gradient clipping 0.1; backbone and text
# encoder frozen.
# Faithful to the official code: the affinity convolutions (support_qkv, query_qkv, conv_q) match
# --lr_support_names and are in no optimizer group, so they keep their random initialisation; here they
# get lr_mult=0 (and decay_mult=0). Only the affinity's LayerNorm learns. See
# ./cma_r50-trained-affinity_fold1_1xb1-24e_mini-ref-ytvos.py for the paper's description (trained).
# Initialisation: a ReferFormer R50 checkpoint (the official --pretrained_weights, presumably the
# RefCOCO/+/g pre-training; its class heads are dropped), loaded non-strictly: the CMA parts start random.
# Evaluation: the fold's 12 held-out classes (val/test dataloaders of the dataset config), FewShotJFMetric.
_base_ = [
    '../_base_/models/cma_r50.py',
    '../_base_/datasets/mini_ref_ytvos_few_shot.py',
    '../_base_/default_runtime.py',
]

fold = 1
train_dataloader = dict(dataset=dict(fold=fold))
val_dataloader = dict(dataset=dict(fold=fold))
test_dataloader = val_dataloader

load_from = 'checkpoints/referformer_r50_8xb2-12e_refcoco-pre_no-class-embed.pth'

frozen_affinity = dict(lr_mult=0.0, decay_mult=0.0)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=5e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(
        custom_keys={
            'affinity.support_qkv': frozen_affinity,
            'affinity.query_qkv': frozen_affinity,
            'affinity.conv_q': frozen_affinity,
        }))

max_epochs = 24
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='RVOSValLoop', on_broken_video='stop')
test_cfg = dict(type='RVOSTestLoop', on_broken_video='stop')
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[3, 5], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3))
randomness = dict(seed=42)
# support_qkv.query is never used (official dead code): distributed training must allow unused parameters
# (the official training runs on one GPU).
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
auto_scale_lr = dict(enable=False, base_batch_size=1)

# CMA (ICCV 2023, hengliusky/Few_shot_RVOS models/cma.py): ReferFormer R50 (./referformer_r50.py) with a
# support branch, the cross-modal affinity and DAB anchor queries. An episode is one TrackDataSample: the
# support frames (with their masks, an input of the model) then the query frames (see CMA's docstring).
# Differences from ReferFormer's official settings, as the official CMA code:
#   - the whole ResNet-50 is frozen (cma.py: every backbone parameter has requires_grad False);
#   - the support's projected maps of the 3 backbone levels are squashed by g(x) (squash_beta 1.3) before the
#     visual <- text fusion, which the two clips share;
#   - one CrossModalAffinity (256 -> 128-d keys/queries/values, dropout 0.1, one LayerNorm) on the 4 levels;
#   - DAB queries: content `tgt_embed` and anchors `refpoint_embed` (the sentence feature is not a query),
#     the official layer-0 anchor broadcast (dab_layer0_quirk=True; False for the intended arithmetic);
#   - test: the query video in windows of 10 frames (training clips have 5), query selected per window,
#     nothing padded at test time (the official test collate), a multiple of 32 in training.
_base_ = './referformer_r50.py'

model = dict(
    type='CMA',
    backbone=dict(frozen_stages=4),
    affinity=dict(type='CrossModalAffinity', in_channels=256, channels=128, dropout=0.1),
    squash_beta=1.3,
    head=dict(type='CMAHead', dab_layer0_quirk=True),
    # resized_masks: the masks also at the resized frame size (360 short side), where the official test
    # upsamples the logits and FewShotJFMetric scores them
    test_cfg=dict(query_selection='video', clip_length=10, key_frames='all', with_resized_masks=True))

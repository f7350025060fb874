# Ref-DAVIS17 evaluation of the model trained with referformer_video-swin-t_joint_8xb1-12e_ref-ytvos.py
# (scripts/dist_test_davis.sh: the Ref-YouTube-VOS model without fine-tuning, inference_davis.py): each
# expression's video is cut into windows of 36 frames, one query per window. Test only:
# tools/test.py CONFIG CHECKPOINT.
_base_ = [
    '../_base_/models/referformer_video-swin-t.py',
    '../_base_/datasets/ref_davis17.py',
    '../_base_/default_runtime.py',
]

model = dict(test_cfg=dict(query_selection='video', clip_length=36))

# The training recipe's total batch (8 GPUs x 1), for `tools/train.py --auto-scale-lr`.
auto_scale_lr = dict(enable=False, base_batch_size=8)

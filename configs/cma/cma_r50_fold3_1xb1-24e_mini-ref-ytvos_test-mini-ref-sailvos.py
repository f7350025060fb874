# Mini-Ref-SAIL-VOS cross-domain test of the Mini-Ref-YouTube-VOS fold-3 model
# (./cma_r50_fold3_1xb1-24e_mini-ref-ytvos.py; the official test.py --dataset_file sailvos --group 3):
# all 3 SAIL-VOS classes (dog, car, person), one seeded support video per class, every expression of every
# other video as a query. Test only: tools/test.py CONFIG <fold-3 checkpoint>.
_base_ = [
    '../_base_/models/cma_r50.py',
    '../_base_/datasets/mini_ref_sailvos_few_shot.py',
    '../_base_/default_runtime.py',
]

test_cfg = dict(type='RVOSTestLoop', on_broken_video='stop')
# The training recipe's total batch (1 GPU x 1 episode), for `tools/train.py --auto-scale-lr`.
auto_scale_lr = dict(enable=False, base_batch_size=1)

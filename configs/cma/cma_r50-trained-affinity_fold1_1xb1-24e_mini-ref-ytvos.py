# CMA, ResNet-50, Mini-Ref-YouTube-VOS fold 1, with the affinity convolutions trained as the paper describes
# (the official code never updates them, see ./cma_r50_fold1_1xb1-24e_mini-ref-ytvos.py): every CMA
# parameter at the base lr. Not an official recipe; no published numbers.
_base_ = './cma_r50_fold1_1xb1-24e_mini-ref-ytvos.py'

optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))

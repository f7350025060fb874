# ReferFormer with a ResNet-101 frame backbone (torchvision ImageNet weights resnet101-63fe2227.pth).
_base_ = './referformer_r50.py'

model = dict(
    backbone=dict(
        depth=101, init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet/resnet101-63fe2227.pth')))

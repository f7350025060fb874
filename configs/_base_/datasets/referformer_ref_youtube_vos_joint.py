# Joint training of ReferFormer (main_joint.py, datasets/concat_dataset.py): Ref-YouTube-VOS clips
# (./referformer_ref_youtube_vos.py) + RefCOCO/RefCOCO+/RefCOCOg images as 5-frame pseudo videos with the
# same flip, photometric distortion and multi-scale resize. The official code warps each copy of the image
# with ImageToSeqAugmenter (perspective, affine, motion blur); not reproduced: the copies are identical.
_base_ = ['./referformer_ref_youtube_vos.py']

coco_root = 'data/coco/'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(
                type='RefCOCODataset',
                data_root=coco_root,
                ann_file=f'{name}/instances_{name}_train.json',
                data_prefix=dict(img='train2014'),
                pipeline=[
                    dict(type='RVOSClipSample', num_frames={{_base_.clip_length}}),  # the image repeated
                    {{_base_.rf_flip_transforms}},
                    {{_base_.rf_photometric}},
                    {{_base_.rf_multiscale}},
                    {{_base_.pack}},
                ]) for name in ('refcoco', 'refcoco+', 'refcocog')
        ] + [
            {{_base_.train_dataloader.dataset}},
        ]))

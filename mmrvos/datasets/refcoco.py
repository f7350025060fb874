# Copyright (c) mmrvos contributors. All rights reserved.
import os.path as osp
from collections import defaultdict
from typing import List

from mmrvos.registry import DATASETS

from .base_rvos_dataset import BaseRVOSDataset


@DATASETS.register_module()
class RefCOCODataset(BaseRVOSDataset):
    """RefCOCO / RefCOCO+ / RefCOCOg as one-frame videos (image pretraining and joint training).

    Reads the COCO-style files written by ReferFormer's ``convert_refexp_to_coco.py``::

        coco/train2014/COCO_train2014_<12 digits>.jpg
        coco/<ds>/instances_<ds>_<split>.json     # ds = refcoco | refcoco+ | refcocog

    where every ``images`` entry is one referring sentence (``caption``; ``original_id`` = COCO image id;
    ``dataset_name``) with exactly one ``annotations`` entry (polygons, ``bbox`` xywh). Items whose
    annotation is missing, crowd, or has a degenerate box are skipped with a logged count (the
    official loader drops them and draws another sample). ``video_id`` is the sentence's image-entry
    id, ``exp_id`` the same id, ``frame_names`` the image file stem. For joint training with
    Ref-YouTube-VOS, :class:`RVOSClipSample` repeats the frame to the clip length and mmengine's
    ``ConcatDataset`` joins the two datasets (both share the same metainfo).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault('data_prefix', dict(img='coco/train2014'))
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Parse the COCO-style json into one item per sentence."""
        coco = self.load_json(self.ann_file)
        images = self.get_key(coco, 'images', self.ann_file)
        anns_by_image = defaultdict(list)
        for i, ann in enumerate(self.get_key(coco, 'annotations', self.ann_file)):
            anns_by_image[self.get_key(ann, 'image_id', f'{self.ann_file} annotation {i}')].append(ann)
        data_list = []
        for i, image in enumerate(images):
            where = f'{self.ann_file} image entry {i}'
            image_id = self.get_key(image, 'id', where)
            where = f'{self.ann_file} image {image_id}'
            file_name = self.get_key(image, 'file_name', where)
            text = self.check_text(self.get_key(image, 'caption', where), where)
            if text is None:
                continue
            anns = [a for a in anns_by_image.get(image_id, []) if not a.get('iscrowd', 0)]
            if not anns:
                self.record_skip('sentence without a non-crowd annotation', where)
                continue
            if len(anns) > 1:
                raise ValueError(f'{where} has {len(anns)} annotations; RefCOCO entries have exactly one')
            ann = anns[0]
            x, y, w, h = self.get_key(ann, 'bbox', where)
            if w <= 0 or h <= 0:
                self.record_skip('annotation with a degenerate box', where)
                continue
            segmentation = self.get_key(ann, 'segmentation', where)
            data_list.append(
                dict(
                    video_id=str(image_id),
                    exp_id=str(image_id),
                    sample_id=str(image_id),
                    text=text,
                    obj_ids=[1],
                    frame_names=[osp.splitext(file_name)[0]],
                    img_dir=self.data_prefix['img'],
                    img_suffix=osp.splitext(file_name)[1],
                    clip_frame_ids=None,
                    gt_frame_ids=None,
                    mask_format='polygon',
                    frame_masks=[[segmentation]],
                    original_id=image.get('original_id'),
                    dataset_name=image.get('dataset_name')))
        return data_list

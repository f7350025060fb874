# Copyright (c) mmrvos contributors. All rights reserved.
from mmrvos.registry import DATASETS

from .ref_youtube_vos import RefYouTubeVOSDataset

#: Annotator slot of ``exp_id % 4`` in the ReferFormer/SOC conversion.
DAVIS_ANNOTATORS = ('annot1_first_frame', 'annot1_full_video', 'annot2_first_frame', 'annot2_full_video')


@DATASETS.register_module()
class RefDAVIS17Dataset(RefYouTubeVOSDataset):
    """Ref-DAVIS17 after the ReferFormer/SOC conversion to the Ref-YouTube-VOS layout.

    Produced by ``tools/dataset_converters/ref_davis17_to_ytvos.py``::

        meta_expressions/{train,valid}/meta_expressions.json   # exp_id = 4 * k + a
        {train,valid}/JPEGImages/<video>/<frame>.jpg
        {train,valid}/Annotations/<video>/<frame>.png          # unsupervised ids, 255 = void
        {train,valid}/meta.json                                # categories only, no frames

    Expression ``exp_id = 4k + a`` is the k-th object (sorted obj_id order) described by annotator slot
    ``a`` (0: annotator 1 first-frame, 1: annotator 1 full-video, 2: annotator 2 first-frame, 3:
    annotator 2 full-video). The slots are kept apart in the ``annotator`` key (and ``obj_rank = k``),
    because the official protocol scores each slot separately and reports their mean. Every frame of
    ``valid`` has a mask (``Annotations`` moved there by the converter); void pixels (255) are loaded
    into ``ignored_instances``.

    ``meta.json`` has no per-object frames, so training windows are filtered from the masks
    (``window_filter='masks'``) by default.
    """

    def __init__(self, *args, window_filter: str = 'masks', **kwargs):
        kwargs.setdefault('data_prefix', dict(img='valid/JPEGImages', ann='valid/Annotations'))
        super().__init__(*args, window_filter=window_filter, **kwargs)

    def extra_info(self, info: dict) -> dict:
        """The annotator slot and the object rank of the expression, and the void label 255."""
        try:
            exp_index = int(info['exp_id'])
        except ValueError as e:
            raise ValueError(f'{self.ann_file} video {info["video_id"]}: Ref-DAVIS17 expression ids must be '
                             f'integers 4k+a, got {info["exp_id"]!r}') from e
        return dict(annotator=exp_index % 4, obj_rank=exp_index // 4, void_value=255)

# Copyright (c) mmrvos contributors. All rights reserved.
from .a2d_measures import (
                           AP_NAMES,
                           DEFAULT_IOU_THRESHOLDS,
                           LBDT_GT_SIZE,
                           LBDT_MAP_THRESHOLDS,
                           build_coco_gt,
                           coco_mask_ap,
                           encode_mask,
                           lbdt_frame_measures,
                           lbdt_resample_gt,
                           lbdt_summary,
                           mask_iou_float32,
                           precision_at_k_and_iou,
)
from .few_shot import (
                           FEW_SHOT_BOUND_TH,
                           FEW_SHOT_SHORT_SIDE,
                           episode_key,
                           episode_record,
                           few_shot_frame_measures,
                           pool_frames,
                           resize_masks_bilinear,
                           seed_statistics,
                           short_side_size,
                           summarize_few_shot,
                           summarize_seeds,
)
from .mask_files import (
                           decode_rle,
                           decode_rle_union,
                           read_binary_png,
                           read_binary_sequence,
                           read_davis_gt,
                           read_index_png,
                           read_index_sequence,
                           write_binary_png,
)
from .rvos_protocols import (
                           expression_jf,
                           label_map_from_masks,
                           split_label_map,
                           summarize_davis_objects,
                           summarize_expressions,
                           unsupervised_jf,
)
from .video_measures import (
                           boundary_measure,
                           boundary_radius,
                           disk_kernel,
                           mask_to_boundary,
                           region_similarity,
                           sequence_statistics,
)

__all__ = [
    'region_similarity', 'boundary_measure', 'mask_to_boundary', 'disk_kernel', 'boundary_radius',
    'sequence_statistics', 'split_label_map', 'label_map_from_masks', 'unsupervised_jf',
    'summarize_davis_objects', 'expression_jf', 'summarize_expressions', 'mask_iou_float32', 'encode_mask',
    'build_coco_gt', 'coco_mask_ap', 'precision_at_k_and_iou', 'AP_NAMES', 'DEFAULT_IOU_THRESHOLDS',
    'read_index_png', 'read_binary_png', 'read_index_sequence', 'read_binary_sequence', 'read_davis_gt',
    'decode_rle', 'decode_rle_union', 'write_binary_png', 'LBDT_GT_SIZE', 'LBDT_MAP_THRESHOLDS',
    'lbdt_resample_gt', 'lbdt_frame_measures', 'lbdt_summary', 'FEW_SHOT_BOUND_TH', 'FEW_SHOT_SHORT_SIDE',
    'short_side_size', 'resize_masks_bilinear', 'few_shot_frame_measures', 'episode_key', 'episode_record',
    'pool_frames', 'summarize_few_shot', 'seed_statistics', 'summarize_seeds'
]

# Copyright (c) mmrvos contributors. All rights reserved.
"""Scores the official code gives on the cases of ``constructed_cases.py``.

Computed once outside the repository with davis2017-evaluation @ ac7c43f (``db_eval_iou``,
``db_eval_boundary``, ``db_statistics``, ``DAVISEvaluation(task='unsupervised')``), MeViS @ 7c0620b
``tools/eval_mevis.py`` and MTTR @ 2cc35ab ``metrics.py`` with pycocotools 2.0.11 ``COCOeval``
(``useCats = 0``). Literal values: the tests must hold without the official code.
"""
NAN = float('nan')

# name: [J, F]
FRAMES = {
    'both_empty': [1.0, 1.0],
    'empty_gt': [0.0, 0.0],
    'empty_pred': [0.0, 0.0],
    'both_full': [1.0, 1.0],
    'full_gt_empty_pred': [0.0, 1.0],
    'full_gt_box_pred': [0.18666666666666668, 0.0],
    'same_pixel': [1.0, 1.0],
    'pixel_shift_1': [0.0, 1.0],
    'pixel_shift_3': [0.0, 0.0],
    'corner_pixel_same': [1.0, 1.0],
    'corner_pixel_vs_empty': [0.0, 0.0],
    'last_row_pixel_vs_box': [0.1111111111111111, 0.5714285714285715],
    'origin_pixel_vs_box': [0.25, 0.8],
    'right_border_boxes': [0.5882352941176471, 0.0967741935483871],
    'bottom_border_boxes': [0.6206896551724138, 0.4067796610169491],
    'box_shift_2': [0.75, 0.6818181818181818],
    'void_covers_difference': [1.0, 1.0],
    'void_everywhere': [1.0, 1.0],
    'void_covers_gt': [0.0, 0.0],
    'void_partial_pattern': [0.2823529411764706, 0.5714678205920737],
    'pattern_vs_box': [0.10476190476190476, 0.36533957845433257],
    'rings_big': [0.7961555654894948, 0.5334860564358729],
    'rings_big_fewshot_th': [0.6679841897233202, 0.31637168141592925],
    'boxes_big_pixel_th': [0.7956304050978608, 0.034482758620689655],
}

# name: [mean, recall, decay] (db_statistics)
SEQUENCES = {
    'len1': [0.7, 1.0, 0.0],
    'len2': [0.55, 0.5, -0.7],
    'len3_at_threshold': [0.5, 0.3333333333333333, 0.015000000000000013],
    'len5': [0.6, 0.6, 0.6],
    'len7_nan': [0.52, 0.42857142857142855, 0.6000000000000001],
    'len10': [0.5, 0.5, 0.7],
    'len300_wrap': [0.5174582568633048, 0.49, NAN],
}

DAVIS_KEYS = ('J&F', 'J-Mean', 'J-Recall', 'J-Decay', 'F-Mean', 'F-Recall', 'F-Decay')
# one row per annotator (anno_0..anno_3), columns DAVIS_KEYS
DAVIS_PER_ANNOTATOR = [
    [0.8943896720306972, 0.895744801084991, 0.9166666666666666, 0.11327230259192285, 0.8930345429764035,
     0.9166666666666666, 0.16427421415793514],
    [0.759462264579553, 0.6810928167511691, 0.9166666666666666, 0.08217336523847174, 0.837831712407937,
     0.9166666666666666, 0.1483987027465288],
    [0.5411442569118643, 0.5570398058889108, 0.6666666666666666, -0.07807725096727654, 0.5252487079348178,
     0.4166666666666667, -0.09848514226989928],
    [0.09981183217777881, 0.11312852196658517, 0.0, 0.0173957425633073, 0.08649514238897243, 0.0,
     0.08527098653233083],
]
# the reported Ref-DAVIS17 numbers: mean over the 4 annotators
DAVIS_MEAN = [0.5737020064249734, 0.5617514864229141, 0.625, 0.033691039856606333, 0.5856525264270327,
              0.5625, 0.07486469029172388]

# <video>_<exp_id>: [J, F] (eval_mevis.py output; v3 has no prediction folder)
MEVIS_PER_EXPRESSION = {
    'v1_0': [0.7636363636363637, 1.0],
    'v1_1': [0.765625, 0.9090909090909091],
    'v1_2': [0.75, 0.75],
    'v2_0': [0.6358947749107662, 0.7146566151345399],
    'v3_0': [0.0, 0.0],
}
# [J&F, J, F]
MEVIS = [0.6288903662772578, 0.583031227709426, 0.6747495048450898]

A2D_KEYS = ('mAP', 'AP50', 'AP75', 'AP_small', 'AP_medium', 'AP_large', 'P@0.5', 'P@0.6', 'P@0.7', 'P@0.8',
            'P@0.9', 'overall_iou', 'mean_iou')
A2D = [0.545990099009901, 0.7368811881188119, 0.7368811881188119, 0.48009193776520503, 0.85, -1.0, 0.5, 0.5,
       0.5, 0.5, 0.0, 0.6675558519506503, 0.4144725998265728]

# ReferFormer's frame processing (wjn922/ReferFormer datasets/ytvos.py, a2d.py, refexp2seq.py,
# transforms_video.py). Training: a text-aware horizontal flip (p 0.5, "left" <-> "right" in the sentence),
# a photometric distortion drawn for each frame on its own (brightness, contrast, saturation, hue, channel
# swap: mmdet's PhotoMetricDistortion, the SSD-style distortion the official code applies), then a resize of
# the short side to one of 288-512 with the long side at most 640, the same for all frames of the clip.
# Test: short side 360, long side at most 640 (the base datasets' Resize(640, 360)).
# Not reproduced: the official RandomSelect applies, half of the time, a resize to 400/500/600, a random crop
# of 384-600 pixels and then the multi-scale resize; mmdet's RandomCrop crops the masks only through boxes,
# which mmrvos derives from the masks when it packs the clip, and drops the objects that leave the crop.
rf_scales = [(640, s) for s in (288, 320, 352, 392, 416, 448, 480, 512)]  # (max long side, short side)
rf_flip_transforms = dict(
    type='TransformBroadcaster',
    share_random_params=True,
    transforms=[dict(type='LoadRVOSFrame'), dict(type='LoadRVOSAnnotations'),
                dict(type='TextAwareRandomFlip', prob=0.5)])
# per frame: share_random_params=False draws the distortion of each frame anew, as the official loop does
rf_photometric = dict(
    type='TransformBroadcaster', share_random_params=False, transforms=[dict(type='PhotoMetricDistortion')])
rf_multiscale = dict(
    type='TransformBroadcaster',
    share_random_params=True,
    transforms=[dict(type='RandomChoiceResize', scales=rf_scales, keep_ratio=True)])
pack = dict(type='PackRVOSInputs')

# Ref-YouTube-VOS and RefCOCO pseudo videos: 5 frames (opts.py --num_frames), an anchor, one frame 1-3
# before and one 1-3 after it, the 2 others drawn from the rest of the video, in temporal order.
rf_ytvos_train_pipeline = [
    dict(type='RVOSClipSample', num_frames=5, sampling='local_global'), rf_flip_transforms, rf_photometric,
    rf_multiscale, pack
]
# A2D-Sentences: the item's window of frames around the annotated frame (the official code samples the
# others as above, around the annotated frame; see ./referformer_a2d_sentences.py).
rf_a2d_train_pipeline = [dict(type='RVOSClipSample'), rf_flip_transforms, rf_photometric, rf_multiscale, pack]

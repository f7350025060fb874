# LBDT's frame processing (dzh19990407/LBDT main.py): every frame resized to 320x320 without keeping the
# aspect ratio (PIL bilinear), no augmentation. The ground-truth masks are resized with the frames by
# nearest neighbour (the official code resizes them bilinearly with align_corners=True and sets every value
# > 0 to 1, a slightly dilated mask). At test time the masks are loaded after the resize, at the original
# resolution. The LBDT dataset bases put these between RVOSClipSample(sampling='reference') and
# PackRVOSInputs.
lbdt_resize = dict(
    type='Resize', scale=(320, 320), keep_ratio=False, backend='pillow', interpolation='bilinear')
lbdt_train_transforms = dict(
    type='TransformBroadcaster',
    share_random_params=True,
    transforms=[dict(type='LoadRVOSFrame'), dict(type='LoadRVOSAnnotations'), lbdt_resize])
lbdt_test_transforms = dict(
    type='TransformBroadcaster',
    transforms=[dict(type='LoadRVOSFrame'), lbdt_resize, dict(type='LoadRVOSAnnotations')])

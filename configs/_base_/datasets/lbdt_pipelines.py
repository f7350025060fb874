# LBDT's frame processing (dzh19990407/LBDT main.py): every frame resized to 320x320 without keeping the
# aspect ratio (PIL bilinear), no augmentation. The ground-truth masks are resized with the frames by
# nearest neighbour (the official code resizes them bilinearly with align_corners=True and sets every value
# > 0 to 1, a slightly dilated mask). At test time the masks are loaded after the resize, at the original
# resolution.
lbdt_resize = dict(
    type='Resize', scale=(320, 320), keep_ratio=False, backend='pillow', interpolation='bilinear')
lbdt_train_transforms = dict(
    type='TransformBroadcaster',
    share_random_params=True,
    transforms=[dict(type='LoadRVOSFrame'), dict(type='LoadRVOSAnnotations'), lbdt_resize])
lbdt_test_transforms = dict(
    type='TransformBroadcaster',
    transforms=[dict(type='LoadRVOSFrame'), lbdt_resize, dict(type='LoadRVOSAnnotations')])

# Per dataset, the reference frame of the official loaders (dataloader/a2d_loader_diff.py:164-184):
# A2D-Sentences 6 before (`--interval 6`), JHMDB-Sentences 5 before, Ref-DAVIS17 2 before (2 after for frames
# 0 and 1), counted in frame numbers (ref_by='name': a reference missing on disk is an error naming the file,
# as the official loader fails to open it); Ref-YouTube-VOS the previous released frame in the frame list
# (its frames are every 5th frame, the official "5 before"). Before the video's start, the first frame.
# Training and A2D/JHMDB tests: the annotated frame and its reference; Ref-YouTube-VOS/Ref-DAVIS17 tests:
# every frame with its reference.
pack = dict(type='PackRVOSInputs')
ref = dict(type='RVOSClipSample', sampling='reference')
lbdt_a2d_train_pipeline = [dict(ref, ref_offset=6, ref_by='name'), lbdt_train_transforms, pack]
lbdt_a2d_test_pipeline = [dict(ref, ref_offset=6, ref_by='name'), lbdt_test_transforms, pack]
lbdt_jhmdb_test_pipeline = [dict(ref, ref_offset=5, ref_by='name'), lbdt_test_transforms, pack]
lbdt_ytvos_train_pipeline = [dict(ref, ref_offset=1), lbdt_train_transforms, pack]
lbdt_ytvos_test_pipeline = [dict(ref, current_frames='all', ref_offset=1), lbdt_test_transforms, pack]
lbdt_davis_test_pipeline = [
    dict(ref, current_frames='all', ref_offset=2, ref_fallback='forward', ref_by='name'),
    lbdt_test_transforms, pack]

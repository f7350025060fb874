# Frame-level ablation of configs/synthetic/soc_tiny_8xb1_synthetic-rvos.py: the same tiny SOC, optimiser
# and number of frames per iteration, but every frame is its own clip (windows of 1 frame in training,
# test_cfg.clip_length=1 at test), so the video-level object cluster never sees more than one frame and
# nothing links the frames of a video: each frame picks its own query. Motion expressions ("the square
# that moves left") cannot be resolved from one frame; appearance expressions can.
_base_ = ['./soc_tiny_8xb1_synthetic-rvos.py']

train_dataloader = dict(batch_size=16, dataset=dict(clip_length=1))
model = dict(test_cfg=dict(clip_length=1))
inference_cfg = dict(window_size=1, window_overlap=0)

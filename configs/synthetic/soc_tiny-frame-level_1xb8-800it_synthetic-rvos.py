# Frame-level ablation of configs/synthetic/soc_tiny_1xb8-800it_synthetic-rvos.py: the same tiny SOC, data,
# windows (8 clips of 2 frames per iteration), optimiser and schedule, without the video-level object
# cluster (VOC) and its contrastive loss. Every frame is predicted from its own frame queries; the frames of
# a clip still meet in the Video Swin backbone (its temporal window), and the video's query is chosen by
# the mean over frames of each query's score.
_base_ = ['./soc_tiny_1xb8-800it_synthetic-rvos.py']

model = dict(head=dict(voc=None, loss_contrastive=None))

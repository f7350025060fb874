# The synthetic benchmark's training run (configs/synthetic/): the 800-iteration CPU schedule of
# ./adamw_cosine_800it.py without validation (tools/run_synthetic_benchmark.py tests the last checkpoint), one
# checkpoint at the end, logs every 25 iterations, seed 0, one OpenCV thread per process.
_base_ = ['./adamw_cosine_800it.py', '../default_runtime.py']

train_cfg = dict(val_interval=_base_.max_iters + 1)
val_cfg = None
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=_base_.max_iters, max_keep_ckpts=1))
log_processor = dict(by_epoch=False, window_size=25)
randomness = dict(seed=0)
env_cfg = dict(mp_cfg=dict(mp_start_method='fork', opencv_num_threads=1))

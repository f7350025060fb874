# Copyright (c) mmrvos contributors. All rights reserved.
"""RVOSInferencer: a video file or frame folder + sentences -> per-frame masks, streamed window by window."""
import contextlib
import copy
import os.path as osp
from datetime import datetime
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Union

import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.infer import BaseInferencer
from mmengine.registry import FUNCTIONS, init_default_scope
from mmengine.structures import InstanceData
from mmengine.utils import ProgressBar

from mmrvos.registry import VISUALIZERS
from mmrvos.utils import check_precision, inference_autocast

from .video_io import FrameSource, RVOSInputError, iter_windows, open_frame_source
from .window_linking import select_candidate
from .writers import OverlayVideoWriter, PaletteMaskWriter, RLEJsonWriter, masks_to_index_map

#: defaults of the ``inference_cfg`` config key: frames per window, frames shared by consecutive windows,
#: weight of the overlap IoU in the choice of the object, and what is merged into ``model.test_cfg`` so
#: that the model returns every candidate (query) with per-frame scores instead of its own choice, and
#: the precision of the forward ('fp32', or 'bf16': torch.autocast to bfloat16, see mmrvos.utils.precision)
DEFAULT_INFERENCE_CFG = dict(window_size=16, window_overlap=4, iou_weight=1.0, precision='fp32',
                             model_test_cfg=dict(query_selection='all', key_frames='all'))


@contextlib.contextmanager
def sentences_encoded_once(model: torch.nn.Module) -> Iterator[None]:
    """Within the block, the model's ``text_encoder`` (if any, in eval mode) encodes each list of sentences
    once: the windows of a video share their sentences, so later windows reuse the first one's encoding.

    The cache lives only for the block (one video), so new weights or sentences are never served stale.
    """
    encoder = getattr(model, 'text_encoder', None)
    if encoder is None or encoder.training:
        yield
        return
    cache, encode = {}, encoder.forward

    def forward(texts, *args, **kwargs):
        key = (tuple(texts), args, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = encode(texts, *args, **kwargs)
        return cache[key]

    encoder.forward = forward
    try:
        yield
    finally:
        del encoder.forward  # the class's forward again


def clean_texts(texts: Union[str, Sequence[str]]) -> List[str]:
    """Normalise the sentences as the datasets do, and reject an empty list or an empty sentence."""
    from mmrvos.datasets.base_rvos_dataset import clean_sentence

    if isinstance(texts, str):
        texts = [texts]
    if texts is None or len(texts) == 0:
        raise RVOSInputError('no sentence given: pass at least one referring sentence')
    cleaned = []
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not clean_sentence(text):
            raise RVOSInputError(f'sentence {i + 1} ({text!r}) is empty')
        cleaned.append(clean_sentence(text))
    return cleaned


class RVOSInferencer(BaseInferencer):
    """Referring video object segmentation on a video file or a folder of frames.

    The frames are decoded lazily and processed in overlapping windows of ``window_size`` frames (config
    key ``inference_cfg``, see :data:`DEFAULT_INFERENCE_CFG`), each through the config's test pipeline
    (so they are resized exactly as in testing) and the model's ``test_step``. For every sentence the
    referred object of a window is chosen among the model's candidates with
    :func:`~mmrvos.apis.window_linking.select_candidate` (highest mean score, plus the mask IoU with the
    previous window on the overlap frames), and the frames of the window are written out (palette PNGs,
    overlay video, RLE JSON) before the next window is read. Memory therefore depends on the window
    size, not on the video length; a video of at most ``window_size`` frames is one window, i.e.
    whole-clip inference.

    Args:
        model (str | Config | dict): config file or config.
        weights (str, optional): checkpoint file, read with ``torch.load(weights_only=True)``; its keys must
            be the model's (see :func:`~mmrvos.apis.init_model`). Defaults to None (random weights).
        device (str, optional): ``'cpu'``, ``'cuda:0'``... Defaults to None (mmengine's ``get_device``).
        scope (str): the registry scope. Defaults to ``'mmrvos'``.
        show_progress (bool): show an mmengine progress bar over the frames. Defaults to True.
        strict (bool): the checkpoint must hold exactly the model's keys. Defaults to True.
        official_quirk (bool, optional): ``model.test_cfg.official_layer0_quirk``; None follows the
            checkpoint (converted official SOC weights get True, with one log line).
        precision (str, optional): ``'fp32'`` or ``'bf16'`` (the forward under ``torch.autocast`` to
            bfloat16); None follows ``inference_cfg.precision`` (default ``'fp32'``).
    """

    #: transforms that read a dataset item from disk; the inferencer provides their output itself
    SKIPPED_TRANSFORMS = ('RVOSClipSample', )
    preprocess_kwargs: set = {'window_size', 'window_overlap'}
    forward_kwargs: set = set()
    visualize_kwargs: set = {'overlay_path'}
    postprocess_kwargs: set = {'return_frames'}

    def __init__(self, model: Union[str, Config, dict], weights: Optional[str] = None,
                 device: Optional[str] = None, scope: str = 'mmrvos', show_progress: bool = True,
                 strict: bool = True, official_quirk: Optional[bool] = None,
                 precision: Optional[str] = None) -> None:
        from mmrvos.utils import register_all_modules
        register_all_modules(init_default_scope=False)
        init_default_scope(scope)
        if isinstance(model, str):
            cfg = Config.fromfile(model)
        elif isinstance(model, Config):
            cfg = copy.deepcopy(model)
        else:
            cfg = Config(copy.deepcopy(dict(model)))
        self.inference_cfg = dict(DEFAULT_INFERENCE_CFG, **cfg.get('inference_cfg', {}))
        if precision is not None:
            self.inference_cfg['precision'] = precision
        check_precision(self.inference_cfg['precision'], 'inference_cfg.precision')
        if self.inference_cfg['model_test_cfg']:
            cfg.model.test_cfg = dict(cfg.model.get('test_cfg') or {}, **self.inference_cfg['model_test_cfg'])
        self._load_options = dict(strict=strict, official_quirk=official_quirk)
        super().__init__(model=cfg, weights=weights, device=device, scope=scope, show_progress=show_progress)

    # ------------------------------------------------------------------ building blocks
    def _init_model(self, cfg: Config, weights: Optional[str], device: str = 'cpu') -> torch.nn.Module:
        """Build the model and load ``weights`` with :func:`~mmrvos.apis.init_model` (strict, safe)."""
        from .model_init import init_model
        return init_model(cfg, weights, device=device, **self._load_options)

    @classmethod
    def _strip_loading(cls, transforms: list) -> list:
        """Drop the frame sampling and loading steps (also inside wrappers such as TransformBroadcaster)."""
        kept = []
        for t in transforms:
            t = copy.deepcopy(dict(t))
            type_name = t['type'] if isinstance(t['type'], str) else t['type'].__name__
            if type_name.split('.')[-1] in cls.SKIPPED_TRANSFORMS or 'Load' in type_name:
                continue
            if isinstance(t.get('transforms'), (list, tuple)):
                t['transforms'] = cls._strip_loading(t['transforms'])
                if not t['transforms']:
                    continue
            kept.append(t)
        return kept

    def _init_pipeline(self, cfg: Config) -> Compose:
        """The config's test pipeline without its sampling/loading steps: the frames come from the video."""
        return Compose(self._strip_loading(cfg.test_dataloader.dataset.pipeline))

    def _init_collate(self, cfg: Config) -> Callable:
        """The test dataloader's ``collate_fn`` (mmengine's FUNCTIONS registry), else ``pseudo_collate``."""
        collate_cfg = cfg.test_dataloader.get('collate_fn')
        if collate_cfg is None:
            return pseudo_collate
        collate_cfg = dict(collate_cfg) if not isinstance(collate_cfg, str) else dict(type=collate_cfg)
        return FUNCTIONS.get(collate_cfg.pop('type'))

    def _init_visualizer(self, cfg: Config) -> Optional[object]:
        """An :class:`~mmrvos.visualization.RVOSLocalVisualizer` without storage backends."""
        vis_cfg = dict(cfg.get('visualizer', {}))
        vis_cfg.update(type='RVOSLocalVisualizer', name=f'rvos_inferencer-{datetime.now().timestamp()}')
        vis_cfg.pop('vis_backends', None)
        vis_cfg.pop('save_dir', None)
        return VISUALIZERS.build(vis_cfg)

    def _window_results(self, frames: List[np.ndarray], frame_ids: List[int], frame_names: List[str],
                        text: str, video: FrameSource) -> dict:
        """The pipeline input for one window and one sentence (what the loading steps would produce)."""
        height, width = frames[0].shape[:2]
        num = len(frames)
        length = video.num_frames or frame_ids[-1] + 1
        # per-frame lists, the layout RVOSClipSample + LoadRVOSFrame produce
        return dict(
            img=[f.copy() for f in frames], img_shape=[(height, width)] * num,
            ori_shape=[(height, width)] * num,
            img_path=[osp.join(video.name, f'{n}.jpg') for n in frame_names], frame_id=list(frame_ids),
            frame_name=list(frame_names), clip_index=list(range(num)), has_gt=[False] * num,
            ori_video_length=[length] * num, video_id=[video.name] * num, exp_id=['0'] * num,
            text=[text] * num, obj_ids=[[]] * num)

    def preprocess(self, window: List[tuple], frame_ids: List[int], texts: List[str],
                   video: FrameSource) -> dict:
        """Run the test pipeline on one window for every sentence and collate them into one batch.

        Args:
            window (list[tuple[str, np.ndarray]]): ``(frame_name, frame)`` pairs, frames ``(H, W, 3)`` BGR.
            frame_ids (list[int]): index of each frame in the video.
            texts (list[str]): the sentences (one batch item each).
            video (FrameSource): the video (name, length).

        Returns:
            dict: the collated batch for ``model.test_step``.
        """
        names = [name for name, _ in window]
        frames = [frame for _, frame in window]
        items = [self.pipeline(self._window_results(frames, frame_ids, names, text, video)) for text in texts]
        return self.collate_fn(items)

    @torch.no_grad()
    def forward(self, data: dict) -> list:
        """``model.test_step(data)`` at ``inference_cfg.precision``."""
        device = next(self.model.parameters()).device
        with inference_autocast(self.inference_cfg['precision'], device):
            return self.model.test_step(data)

    @staticmethod
    def _candidates(track_sample) -> tuple:
        """``(scores (T, k), masks (k, T, H, W) bool)`` from a predicted TrackDataSample."""
        frames = track_sample.video_data_samples
        scores = np.stack([f.pred_track_instances.scores.detach().float().cpu().numpy() for f in frames])
        masks = np.stack([f.pred_track_instances.masks.detach().cpu().numpy().astype(bool) for f in frames],
                         axis=1)
        return scores, masks

    def visualize(self, frame_bgr: np.ndarray, masks: np.ndarray, scores: np.ndarray,
                  texts: List[str]) -> np.ndarray:
        """Draw one frame: ``masks`` ``(n, H, W)`` and ``scores`` ``(n,)`` of the ``n`` sentences.

        Returns:
            np.ndarray: the drawn ``(H, W, 3)`` RGB frame.
        """
        sample = DetDataSample(metainfo=dict(texts=texts))
        sample.pred_track_instances = InstanceData(
            masks=torch.from_numpy(masks), scores=torch.from_numpy(scores.astype(np.float32)),
            instances_id=torch.arange(len(texts)), labels=torch.zeros(len(texts), dtype=torch.long))
        return self.visualizer.draw_frame(np.ascontiguousarray(frame_bgr[..., ::-1]), sample)

    def postprocess(self, summary: dict, return_frames: bool = False) -> dict:
        """Finish the summary: mean scores; per-frame results only with ``return_frames``."""
        num = summary['num_frames']
        summary['mean_scores'] = summary.pop('score_sum') / max(num, 1)
        if return_frames:
            n = len(summary['texts'])
            summary['scores'] = np.asarray(summary['scores'], dtype=np.float32).reshape(num, n)
            summary['masks'] = np.stack(summary['masks']) if num else np.zeros((0, n, 0, 0), bool)
        else:
            for key in ('frame_names', 'scores', 'masks', 'windows'):
                summary.pop(key)
        return summary

    # ------------------------------------------------------------------ the streaming loop
    def __call__(self, inputs: Union[str, FrameSource], texts: Union[str, Sequence[str]],
                 out_dir: Optional[str] = None, save_masks: bool = True,
                 overlay_path: Optional[str] = None, json_path: Optional[str] = None,
                 window_size: Optional[int] = None, window_overlap: Optional[int] = None,
                 return_frames: bool = False) -> Dict:
        """Segment the objects the sentences refer to in every frame of a video.

        Args:
            inputs (str | FrameSource): a video file (``.mp4``, ``.avi``...) or a folder of frames.
            texts (str | list[str]): one or more sentences; sentence ``i`` becomes object id ``i + 1``.
            out_dir (str, optional): palette PNGs go to ``<out_dir>/<frame_name>.png`` when
                ``save_masks``. Defaults to None (nothing written).
            save_masks (bool): write the palette PNGs (needs ``out_dir``). Defaults to True.
            overlay_path (str, optional): write an overlay video (``.mp4`` or ``.gif``) there.
            json_path (str, optional): write the RLE masks as JSON there.
            window_size (int, optional): frames per window (default: ``inference_cfg.window_size``).
            window_overlap (int, optional): frames shared by consecutive windows (default:
                ``inference_cfg.window_overlap``).
            return_frames (bool): also return the per-frame results (memory grows with the video: for
                short videos and tests). Defaults to False.

        Returns:
            dict: ``video``, ``texts`` (cleaned), ``num_frames``, ``num_windows``, ``mean_scores`` ``(n,)``
            and the output paths ``mask_dir``, ``overlay_path``, ``json_path``. With ``return_frames``
            also ``frame_names``, ``scores`` ``(T, n)``, ``masks`` ``(T, n, H, W)`` bool and ``windows``
            (per window: ``first_frame``, ``num_frames``, ``chosen`` candidate per sentence).
        """
        texts = clean_texts(texts)
        video = inputs if isinstance(inputs, FrameSource) else open_frame_source(inputs)
        window_size = int(window_size or self.inference_cfg['window_size'])
        overlap = int(self.inference_cfg['window_overlap'] if window_overlap is None else window_overlap)
        if window_size < 1 or not 0 <= overlap < window_size:
            raise RVOSInputError(f'need window_size >= 1 and 0 <= window_overlap < window_size, got '
                                 f'{window_size} and {overlap}')
        mask_writer = PaletteMaskWriter(out_dir) if (out_dir and save_masks) else None
        overlay_writer = OverlayVideoWriter(overlay_path, fps=video.fps) if overlay_path else None
        json_writer = RLEJsonWriter(json_path, video.name, video.height, video.width, texts) \
            if json_path else None
        progress = ProgressBar(video.num_frames or 0) if self.show_progress else None

        summary = dict(video=video.name, texts=texts, num_frames=0, num_windows=0, frame_names=[], scores=[],
                       masks=[], windows=[], score_sum=np.zeros(len(texts)))
        previous = [None] * len(texts)  # masks (O, H, W) emitted on the last frames, per sentence
        next_frame_id = 0
        try:
            with sentences_encoded_once(self.model):  # one text encoding per video
                for window, carried in iter_windows(iter(video), window_size, overlap):
                    first_id = next_frame_id - carried
                    frame_ids = list(range(first_id, first_id + len(window)))
                    results = self.forward(self.preprocess(window, frame_ids, texts, video))
                    chosen, window_masks, window_scores = [], [], []
                    for n, track_sample in enumerate(results):
                        scores, masks = self._candidates(track_sample)
                        q = select_candidate(scores, masks[:, :carried], previous[n],
                                             self.inference_cfg['iou_weight'])
                        chosen.append(q)
                        window_masks.append(masks[q])  # (T, H, W)
                        # SOC's video-level score: the chosen query's mean over the window, on every
                        # frame, (T,)
                        window_scores.append(np.full(len(window), scores[:, q].mean(), dtype=np.float32))
                        previous[n] = masks[q, len(window) - overlap:] if overlap else None
                    window_masks = np.stack(window_masks, 1)  # (T, n, H, W)
                    window_scores = np.stack(window_scores, 1)  # (T, n)
                    summary['num_windows'] += 1
                    if return_frames:
                        summary['windows'].append(
                            dict(first_frame=first_id, num_frames=len(window), chosen=chosen))
                    for t in range(carried, len(window)):  # frames of the overlap were written already
                        name, frame = window[t]
                        self._write_frame(frame_ids[t], name, frame, window_masks[t], window_scores[t], texts,
                                          mask_writer, overlay_writer, json_writer)
                        summary['num_frames'] += 1
                        summary['score_sum'] += window_scores[t]
                        if return_frames:
                            summary['frame_names'].append(name)
                            summary['scores'].append(window_scores[t])
                            summary['masks'].append(window_masks[t])
                        if progress is not None:
                            progress.update()
                    next_frame_id = first_id + len(window)
        finally:
            for writer in (mask_writer, overlay_writer, json_writer):
                if writer is not None:
                    writer.close()
        if progress is not None:
            progress.file.write('\n')
        summary.update(
            mask_dir=out_dir if mask_writer else None, overlay_path=overlay_path, json_path=json_path)
        return self.postprocess(summary, return_frames=return_frames)

    def _write_frame(self, frame_id: int, name: str, frame: np.ndarray, masks: np.ndarray, scores: np.ndarray,
                     texts: List[str], mask_writer, overlay_writer, json_writer) -> None:
        if masks.shape[1:] != frame.shape[:2]:
            raise RuntimeError(f'the model returned masks of size {masks.shape[1:]} for frame {name} of size '
                               f'{frame.shape[:2]}; predict() must return masks at ori_shape')
        if mask_writer is not None:
            mask_writer.write(name, masks_to_index_map(masks, scores))
        if overlay_writer is not None:
            overlay_writer.write(self.visualize(frame, masks, scores, texts))
        if json_writer is not None:
            json_writer.write(frame_id, name, masks, scores)

# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Optional

import torch.nn.functional as F
from torch import Tensor, nn

from mmrvos.registry import MODELS


@MODELS.register_module()
class VisualLinguisticContrastiveLoss(nn.Module):
    """SOC's visual-linguistic contrastive loss.

    The similarity of every video query to the sentence is ``s_q = <v_q / tau, t>``; the loss is the
    cross-entropy of ``softmax_q(s)`` against the query matched to the referred object:
    ``-mean_n log softmax(s_n)[q*_n]``. The official code uses a fixed temperature equal to the
    feature dimension (``tau=None``).

    Args:
        temperature (float, optional): Temperature ``tau``; None uses the feature dimension.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, temperature: Optional[float] = None, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.temperature = temperature
        self.loss_weight = loss_weight

    def forward(self, video_queries: Tensor, text_embeds: Tensor, target_queries: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            video_queries (Tensor): (N, Q, C) video-level queries.
            text_embeds (Tensor): (N, C) sentence embeddings.
            target_queries (Tensor): (N,) long, index of the query matched to the referred object.

        Returns:
            Tensor: Scalar loss.
        """
        temperature = self.temperature or video_queries.shape[-1]
        logits = ((video_queries / temperature) @ text_embeds[:, :, None]).squeeze(-1)
        return self.loss_weight * F.cross_entropy(logits, target_queries)

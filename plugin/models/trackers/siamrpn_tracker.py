"""SiamRPN's tracking loop (seed 001's ``init`` / ``update``, pysot's
``SiamRPNTracker``), for several sequences in lockstep.

Shapes: B sequences tracked together, A anchors, (H, W) frame size.

Per frame and sequence: a search crop of side ``s_x = s_z * search_size /
template_size`` around the last position (``s_z`` the context size of the
last box, as for the template), the model's target probability and box of
every anchor, then

* a scale and ratio change penalty: ``penalty = exp(-(r_c * s_c - 1) *
  penalty_k)``, with ``s_c`` and ``r_c`` the change (max(r, 1 / r)) of the
  box's context size and aspect ratio against the last box's;
* a cosine (Hann) window over the score map, mixed in with weight
  ``window_influence``: ``pscore = penalty * score * (1 - wi) + window *
  wi``;
* the best anchor's box; its centre is taken whole, its size moves by
  ``lr * penalty * score`` towards the new one (``lr``, the size update
  rate);
* the centre clipped to the frame, the size to [``min_size``, frame side].

The defaults are pysot's SiamRPN (AlexNet) values: ``penalty_k`` 0.16,
``window_influence`` 0.40, ``lr`` 0.30, ``min_size`` 10; seed 001 gives
0.22 / 0.40 / 0.30. Unlike pysot, crop sides are not rounded to whole
pixels: the crop is the exact window (the same geometry as training's).
Crops are cut on the host (the frames are host arrays) with the same
function as training's, one batch per frame goes through the network, and
one (B, 4) read-back per frame brings the new boxes to the host for the
next crops.
"""
import time
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor

from plugin.datasets.transforms.crop import (context_size,
                                             crop_and_resize, image_mean)
from .track_inputs import as_bgr_frames, check_init_boxes


def _change(r: Tensor) -> Tensor:
    """max(r, 1 / r): 1 for no change, > 1 otherwise."""
    return torch.maximum(r, 1. / r)


Option = Union[float, np.ndarray]


def _option(value: Union[float, Sequence[float], np.ndarray],
            name: str) -> Option:
    """A tracking option as stored: a float, or a (B,) float64 array of
    per-sequence values."""
    if np.ndim(value) == 0:
        return float(value)
    value = np.asarray(value, dtype=np.float64)
    if value.ndim != 1:
        raise ValueError(f'{name} must be a number or a (B,) array, got '
                         f'shape {value.shape}')
    return value


def _per_sequence(value: Option, rows: Optional[np.ndarray], num: int,
                  device: torch.device) -> Union[float, Tensor]:
    """A tracking option as the scoring lines use it.

    A float is returned as it is, so a single setting's arithmetic (and
    boxes) stay what they were. A per-sequence array becomes the (B, 1)
    float32 column of the tracked sequences' values (``rows``: those that
    :meth:`SiamRPNTracker.select` kept, None: all), which broadcasts over
    the (B, A) anchors as the float does; float32 as torch rounds a float
    operand of a float32 tensor, so each row computes as its float would.
    """
    if isinstance(value, float):
        return value
    if rows is not None:
        value = value[rows]
    if len(value) != num:
        raise ValueError(f'{len(value)} per-sequence option values for '
                         f'{num} tracked sequences')
    return torch.as_tensor(value, dtype=torch.float32, device=device)[:, None]


class SiamRPNTracker:
    """Track B targets at once with a :class:`SiamRPN` model.

    Args:
        model: the model (``extract_feat``, ``head``,
            ``data_preprocessor``), in eval mode.
        template_size (int): side of the template crop.
        search_size (int): side of the search crop when tracking (pysot's
            INSTANCE_SIZE; may exceed the training one: a wider score map).
        context_amount (float): 0.5, pysot's CONTEXT_AMOUNT.
        penalty_k (float | np.ndarray): strength of the scale/ratio change
            penalty.
        window_influence (float | np.ndarray): weight of the cosine window.
        lr (float | np.ndarray): size update rate.
        min_size (float): smallest box side in pixels (10: pysot's clip).

    ``penalty_k``, ``window_influence`` and ``lr`` are each a number (every
    sequence) or a (B,) array, one value per sequence of the next
    :meth:`init` / :meth:`track_sequences` (in its order), so that several
    settings are tracked in one lockstep batch (``tools/tune_tracker.py``);
    a sequence's boxes are those of a tracker with its values as numbers.
    """

    def __init__(self,
                 model,
                 template_size: int,
                 search_size: int,
                 context_amount: float = 0.5,
                 penalty_k: Union[float, np.ndarray] = 0.16,
                 window_influence: Union[float, np.ndarray] = 0.40,
                 lr: Union[float, np.ndarray] = 0.30,
                 min_size: float = 10.) -> None:
        self.model = model
        self.head = model.head
        self.template_size = template_size
        self.search_size = search_size
        self.context_amount = context_amount
        self.penalty_k = _option(penalty_k, 'penalty_k')
        self.window_influence = _option(window_influence, 'window_influence')
        self.lr = _option(lr, 'lr')
        self.min_size = min_size
        self._window = None
        # The rows of the per-sequence options that select() kept (None:
        # every row); init() starts a new run with all its sequences.
        self._rows = None

    # ------------------------------------------------------------------
    def _crops(self, frames: Sequence[np.ndarray], side: np.ndarray,
               out_size: int) -> Tensor:
        """(B, 3, out, out) normalised crops of side ``side`` (B,) around
        the current centres."""
        crops = [
            crop_and_resize(f, c, (s, s), out_size, m)
            for f, c, s, m in zip(frames, self.center, side, self.pad_value)
        ]
        return self.model.data_preprocessor.normalize(crops)

    def _context_size(self) -> np.ndarray:
        return context_size(self.size[:, 0], self.size[:, 1],
                            self.context_amount)

    def window(self, score_size: int, device: torch.device) -> Tensor:
        """(A,) Hann window over the score map, tiled over the K shapes
        (anchor order ``k * S * S + y * S + x``)."""
        if self._window is None or self._window.numel() != \
                score_size * score_size * self.head.num_base_anchors or \
                self._window.device != device:
            hann = torch.hann_window(score_size, periodic=False,
                                     dtype=torch.float64)
            win = (hann[:, None] * hann[None, :]).reshape(-1)
            self._window = win.repeat(self.head.num_base_anchors).float().to(
                device)
        return self._window

    # ------------------------------------------------------------------
    @torch.no_grad()
    def init(self, frames: Sequence[np.ndarray], boxes: np.ndarray) -> None:
        """Start tracking.

        Args:
            frames: B first frames, (H, W, 3) uint8 BGR (grayscale and BGRA
                are converted, see :mod:`.track_inputs`).
            boxes (np.ndarray): (B, 4) xyxy boxes of the targets.

        Raises:
            ValueError: If a frame or box is invalid (named in the message).
        """
        frames = as_bgr_frames(frames, 'frames')
        boxes = check_init_boxes(boxes, 'boxes', num=len(frames))
        self.center = (boxes[:, :2] + boxes[:, 2:]) / 2  # (B, 2)
        self.size = boxes[:, 2:] - boxes[:, :2]  # (B, 2)
        # per-channel frame mean pads the crops (pysot's channel_average)
        self.pad_value = [image_mean(f) for f in frames]
        z = self._crops(frames, self._context_size(), self.template_size)
        self.kernels = self.head.template(self.model.extract_feat(z))
        self._rows = None

    def select(self, keep: Sequence[int]) -> None:
        """Keep only the given sequences (those with frames left)."""
        keep = list(keep)
        rows = np.arange(len(self.center)) if self._rows is None else \
            self._rows
        self._rows = rows[np.asarray(keep, dtype=np.int64)]
        idx = torch.as_tensor(keep, device=self.kernels[0][0].device)
        self.kernels = [(kc.index_select(0, idx), kr.index_select(0, idx))
                        for kc, kr in self.kernels]
        self.center, self.size = self.center[keep], self.size[keep]
        self.pad_value = [self.pad_value[i] for i in keep]

    @torch.no_grad()
    def track(self,
              frames: Sequence[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
        """Locate the targets in the next frames.

        Args:
            frames: B frames, (H, W, 3) uint8 BGR, one per tracked sequence.

        Returns:
            tuple[np.ndarray, np.ndarray]: (B, 4) xyxy boxes and (B,) the
            chosen anchors' target probabilities.

        Raises:
            ValueError: If a frame is invalid or their number is not B.
        """
        frames = as_bgr_frames(frames, 'frames', num=len(self.size))
        s_z = self._context_size()
        scale = self.template_size / s_z  # crop pixels per frame pixel
        s_x = s_z * self.search_size / self.template_size
        x = self._crops(frames, s_x, self.search_size)
        cls, reg = self.head.forward_search(self.kernels,
                                            self.model.extract_feat(x))
        score, boxes = self.head.decode(cls, reg, self.search_size)
        device = score.device

        # candidate boxes as centre offsets and sizes, in crop pixels
        half = self.search_size / 2
        w = boxes[..., 2] - boxes[..., 0]
        h = boxes[..., 3] - boxes[..., 1]
        dx = (boxes[..., 0] + boxes[..., 2]) / 2 - half
        dy = (boxes[..., 1] + boxes[..., 3]) / 2 - half
        last = torch.as_tensor(self.size * scale[:, None],
                               dtype=torch.float32, device=device)  # (B, 2)
        last_w, last_h = last[:, :1], last[:, 1:]
        s_c = _change(
            context_size(w, h, self.context_amount) /
            context_size(last_w, last_h, self.context_amount))
        r_c = _change((last_w / last_h) / (w / h))
        # floats, or (B, 1) columns of per-sequence values; 1 - wi in
        # float64 before the float32 cast, as the float computes it
        penalty_k, wi, score_weight, lr = (
            _per_sequence(v, self._rows, len(frames), device)
            for v in (self.penalty_k, self.window_influence,
                      1 - self.window_influence, self.lr))
        penalty = torch.exp(-(r_c * s_c - 1) * penalty_k)
        pscore = penalty * score * score_weight + \
            self.window(cls.size(-1), device) * wi
        best = pscore.argmax(dim=1, keepdim=True)  # (B, 1)

        def pick(t: Tensor) -> Tensor:
            return t.gather(1, best).squeeze(1)

        # (penalty * score) * lr per anchor, then picked: the same products
        # as picking first, and a (B, 1) lr broadcasts
        rate = pick(penalty * score * lr)
        picked = torch.stack(
            [pick(dx), pick(dy), pick(w), pick(h), rate, pick(score)], 1)
        dx, dy, w, h, rate, best_score = picked.cpu().double().numpy().T
        return self._update(frames, dx, dy, w, h, rate, scale), best_score

    def _update(self, frames: Sequence[np.ndarray], dx: np.ndarray,
                dy: np.ndarray, w: np.ndarray, h: np.ndarray,
                rate: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """Move the state to the chosen boxes (crop pixels, ``scale`` crop
        pixels per frame pixel); returns the (B, 4) xyxy boxes."""
        cx = self.center[:, 0] + dx / scale
        cy = self.center[:, 1] + dy / scale
        width = self.size[:, 0] * (1 - rate) + w / scale * rate
        height = self.size[:, 1] * (1 - rate) + h / scale * rate
        frame_h = np.array([f.shape[0] for f in frames], dtype=np.float64)
        frame_w = np.array([f.shape[1] for f in frames], dtype=np.float64)
        cx = np.clip(cx, 0, frame_w)
        cy = np.clip(cy, 0, frame_h)
        width = np.clip(width, self.min_size, frame_w)
        height = np.clip(height, self.min_size, frame_h)
        self.center = np.stack([cx, cy], 1)
        self.size = np.stack([width, height], 1)
        return np.concatenate([self.center - self.size / 2,
                               self.center + self.size / 2], 1)

    # ------------------------------------------------------------------
    def track_sequences(self, sequences: Sequence[np.ndarray],
                        init_boxes: np.ndarray
                        ) -> Tuple[List[np.ndarray], List[float]]:
        """Track B whole sequences in lockstep (one batch per frame index;
        a sequence leaves the batch after its last frame).

        Args:
            sequences: B arrays (N_b, H_b, W_b, 3) uint8 BGR.
            init_boxes (np.ndarray): (B, 4) xyxy boxes in frame 0.

        Returns:
            tuple: per sequence (N_b, 4) float32 xyxy boxes (frame 0 is the
            given box), and the seconds spent on its frames 1..N_b - 1 (each
            step's time shared equally by the sequences in it).

        Raises:
            ValueError: If a frame (``sequences[b][t]``) or box is invalid.
        """
        # checked (and converted) up front, so a bad frame fails before any
        # tracking, named by its sequence and index
        sequences = [as_bgr_frames(s, f'sequences[{b}]')
                     for b, s in enumerate(sequences)]
        init_boxes = check_init_boxes(init_boxes, 'init_boxes',
                                      num=len(sequences))
        lengths = [len(s) for s in sequences]
        preds = [np.zeros((n, 4), dtype=np.float32) for n in lengths]
        times = [0.0] * len(sequences)
        active = list(range(len(sequences)))
        for i in active:
            preds[i][0] = init_boxes[i]
        self.init([s[0] for s in sequences], init_boxes)
        for t in range(1, max(lengths, default=0)):
            keep = [j for j, i in enumerate(active) if lengths[i] > t]
            if len(keep) < len(active):
                self.select(keep)
                active = [active[j] for j in keep]
            start = time.perf_counter()
            boxes, _ = self.track([sequences[i][t] for i in active])
            spent = (time.perf_counter() - start) / len(active)
            for j, i in enumerate(active):
                preds[i][t] = boxes[j]
                times[i] += spent
        return preds, times

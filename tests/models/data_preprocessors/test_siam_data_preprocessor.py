"""SiamDataPreprocessor: pairs stacked and normalised, sequences passed
through for the tracker."""
import numpy as np
import torch

from plugin.models.data_preprocessors import SiamDataPreprocessor


def test_normalize_by_hand():
    pre = SiamDataPreprocessor(mean=[1., 2., 3.], std=[2., 2., 4.],
                               bgr_to_rgb=True)
    crop = np.zeros((2, 2, 3), np.uint8)
    crop[..., 0], crop[..., 1], crop[..., 2] = 10, 20, 30  # B, G, R
    out = pre.normalize([crop, crop])
    # RGB after the flip: (30 - 1) / 2, (20 - 2) / 2, (10 - 3) / 4
    assert out.shape == (2, 3, 2, 2)
    assert out[1, :, 0, 0].tolist() == [14.5, 9.0, 1.75]


def test_pairs_and_sequences():
    pre = SiamDataPreprocessor()
    pairs = dict(inputs=dict(
        template=[torch.full((3, 4, 4), 7, dtype=torch.uint8)] * 2,
        search=[torch.full((3, 8, 8), 9, dtype=torch.uint8)] * 2),
        data_samples=['a', 'b'])
    out = pre(pairs, True)
    assert out['inputs']['template'].shape == (2, 3, 4, 4)
    assert out['inputs']['search'].dtype == torch.float32
    assert out['inputs']['search'].unique().tolist() == [9.0]
    frames = [np.zeros((3, 5, 5, 3), np.uint8)]
    out = pre(dict(inputs=dict(frames=frames), data_samples=['s']))
    assert out['inputs']['frames'] is frames

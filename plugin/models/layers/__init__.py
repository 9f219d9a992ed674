"""Layers shared by the models of the ``plugin`` scope."""
from .xcorr import (DepthwiseXCorr, UpChannelXCorr, build_xcorr,
                    xcorr_depthwise, xcorr_up_channel)

__all__ = [
    'DepthwiseXCorr', 'UpChannelXCorr', 'build_xcorr', 'xcorr_depthwise',
    'xcorr_up_channel'
]

"""Hooks of the ``plugin`` scope: atomic checkpoint writes and the random
states an exact resume needs."""
from .checkpoint_hook import CheckpointHook
from .rng_state_hook import RNGStateHook

__all__ = ['CheckpointHook', 'RNGStateHook']

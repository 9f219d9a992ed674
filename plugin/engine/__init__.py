"""Training-loop components of the ``plugin`` scope (hooks)."""
from .hooks import CheckpointHook, RNGStateHook

__all__ = ['CheckpointHook', 'RNGStateHook']

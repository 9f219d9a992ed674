from .centernet_target import CenterNetTarget, CenterNetTargets

__all__ = ['CenterNetTarget', 'CenterNetTargets']

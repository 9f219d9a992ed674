from .autoassign_head import AutoAssignHead

__all__ = ['AutoAssignHead']

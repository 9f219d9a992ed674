"""Inspection tools: what the heads assign (``tools/show_assignment.py``)."""
from .assignment import ImageAssignment, Panel, collect_assignment
from .assignment_plot import draw_assignment, format_table, summarise

__all__ = [
    'ImageAssignment', 'Panel', 'collect_assignment', 'draw_assignment',
    'format_table', 'summarise'
]

"""Inspection tools: what the heads assign (``tools/show_assignment.py``),
and the ops and host syncs code dispatches (``bench/bench_dispatch.py``)."""
from .assignment import ImageAssignment, Panel, collect_assignment
from .assignment_plot import draw_assignment, format_table, summarise
from .op_count import OpCounter

__all__ = [
    'ImageAssignment', 'Panel', 'OpCounter', 'collect_assignment',
    'draw_assignment', 'format_table', 'summarise'
]

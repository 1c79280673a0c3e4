"""Render a DDXPlus patient row, or one finding, as the plain English a clinician could write:
the functions live in :mod:`panels.offline.knowledge` (so that it imports no reader of its
own sentences) and are importable from here too. Pure module.
"""

from __future__ import annotations

from panels.offline.knowledge import finding_text, render_patient

__all__ = ["finding_text", "render_patient"]

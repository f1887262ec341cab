"""Every plot view, one row each: its name (the widget's id), its view function and its settings at start.

A view is a function (snapshot, its settings, width, height, colours) → (key, a note or a Drawing); its Drawing is
a dataclass whose fields are its drawer's arguments (drawing.Drawing). A new view is a module with those three
things, a row here, and its name in the layouts that show it (tui/widgets.LAYOUTS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from logreg_tui.core.model.state import Snapshot
from logreg_tui.views.drawing import Drawing, PlotColors
from logreg_tui.views.evaluation import EvaluationSettings, evaluation_view
from logreg_tui.views.landscape import LandscapeSettings, landscape_view
from logreg_tui.views.plots import DataSettings, LossSettings, data_view, loss_view

View = Callable[[Snapshot, Any, int, int, PlotColors], tuple[object, "str | Drawing"]]


@dataclass(frozen=True)
class ViewRow:
    name: str  # the widget's id (app.tcss places it by this)
    view: View
    settings: Any  # the view's settings at start (frozen: keys replace them)
    tall: bool = False  # in a grid it takes its column's two rows (a map or a square ROC, not a curve over time)


def drawing_kinds() -> frozenset[str]:
    """Every kind of Drawing the views make: registered by importing their modules, which this module does, so a
    process that imports it (the plot process) can decode every kind whatever it imported first."""
    return frozenset(Drawing.kinds)


VIEWS = (  # in this order on screen: the grid fills by it
    ViewRow("loss", loss_view, LossSettings()),
    ViewRow("landscape", landscape_view, LandscapeSettings(), tall=True),
    ViewRow("evaluation", evaluation_view, EvaluationSettings(), tall=True),
    ViewRow("data", data_view, DataSettings()),
)

"""Which connections the canvas draws through the layout's dummy points.

The layered layout (``core.layout.layered_layout``) gives each long connection a lane in
every row it crosses. A connection follows its lane while both its ends sit where that
layout put them; once the user moves one of them (manual positions are kept), it is
drawn directly. The layout is recomputed (deferred, once per burst) only when layers or
connections are added or removed or a nested model is collapsed or expanded; moves only
change which routes apply.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from paramlab.core.layout import Layout, layered_layout
from paramlab.gui.canvas.deferred import coalescing_timer, structure_signals

if TYPE_CHECKING:
    from paramlab.gui.canvas.scene import CanvasScene

Point = tuple[float, float]


class EdgeRoutes:
    """The dummy points of one scene's connections."""

    def __init__(self, scene: CanvasScene) -> None:
        self._scene = scene
        self._layout: Layout | None = None
        self._timer = coalescing_timer(scene, self.refresh)
        for signal in structure_signals(scene.document)[:-1]:  # reset: the scene rebuilds
            signal.connect(self.invalidate)

    def invalidate(self, *_: object) -> None:
        """The structure changed: drop the routes now, recompute them after the burst."""
        self._layout = None
        self._timer.start()

    def refresh(self) -> None:
        """Recompute the layout's routes (cached in ``core.layout``) and redraw every edge."""
        self._timer.stop()
        scene = self._scene
        self._layout = scene.blocks.layout or layered_layout(scene.document.graph)
        scene.route_all()

    def via(self, key: tuple[str, str, int]) -> tuple[Point, ...]:
        """The dummy points of connection ``key``, or ``()`` (drawn directly)."""
        layout = self._layout
        if layout is None:
            return ()
        points = layout.routes.get(key)
        if not points:
            return ()
        for n in key[:2]:
            x, y = self._scene.position_of(n)
            lx, ly = layout.positions.get(n, (None, None))
            if lx is None or abs(x - lx) > 0.5 or abs(y - ly) > 0.5:
                return ()
        return points

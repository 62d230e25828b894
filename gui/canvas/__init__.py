"""The canvas: the model drawn as nodes and connections, edited with the mouse.

``CanvasView`` (the widget) shows a ``CanvasScene`` (the items, built from the document's
signals). ``painting`` holds the look shared with the PNG renderer (``gui.render``).
"""
from paramlab.gui.canvas.scene import CanvasScene
from paramlab.gui.canvas.view import CanvasView

__all__ = ["CanvasScene", "CanvasView"]

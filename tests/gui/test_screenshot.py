"""The README's screenshot: the main window with lenet, 1400×900, the dense layer selected.

Checked to be a real picture on every run; written over
resources/screenshots/main_window.png only when ``PARAMLAB_UPDATE_SCREENSHOTS=1`` is set, so
that a test run never leaves the working tree modified.
"""
from __future__ import annotations

import os

import pytest

from paramlab.core.resources import RESOURCES

UPDATE = os.environ.get("PARAMLAB_UPDATE_SCREENSHOTS") == "1"


@pytest.fixture
def screenshot_path(tmp_path):
    return RESOURCES / "screenshots" / "main_window.png" if UPDATE else tmp_path / "shot.png"


def test_main_window_screenshot(qtbot, window, ui, screenshot_path):
    SCREENSHOT = screenshot_path
    window.resize(1400, 900)
    window.select_ids([ui.layer_id(window, "dense")])
    window.zoom_to_fit()
    qtbot.wait(50)  # let pending paints and layouts run
    pixmap = window.grab()
    image = pixmap.toImage()
    assert (image.width(), image.height()) == (1400, 900)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert pixmap.save(str(SCREENSHOT), "PNG")
    # non-blank: many colours (category fills, text, red/blue marks), not one flat grey
    colours = {image.pixel(x, y) for x in range(0, 1400, 4) for y in range(0, 900, 4)}
    assert len(colours) > 50
    # the canvas shows the nodes: the centre of the canvas is not all background
    canvas = window.canvas.grab().toImage()
    centre = {canvas.pixel(x, y) for x in range(0, canvas.width(), 3)
              for y in range(0, canvas.height(), 3)}
    assert len(centre) > 10
    assert SCREENSHOT.stat().st_size > 20_000

"""The README's screenshot: the main window with lenet, 1400×900, the dense layer selected.

Saved to resources/screenshots/main_window.png each run (offscreen Qt draws it the same
way on every machine with the same fonts), and checked to be a real picture.
"""
from __future__ import annotations

from paramlab.core.resources import RESOURCES

SCREENSHOT = RESOURCES / "screenshots" / "main_window.png"


def test_main_window_screenshot(qtbot, window, ui):
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

"""Bundled data: example models (``models/*.json``), icons, lessons; read through
:mod:`importlib.resources` so they are found from a wheel, an editable install or a zip."""

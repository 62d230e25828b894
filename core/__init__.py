"""ParamLab's core: the layer graph, the catalogue, propagation, summaries and file formats.

Pure Python: nothing here imports Qt.
"""
from paramlab.core.graph import Layer, LayerGraph
from paramlab.core.propagate import LayerResult, PropagationResult, propagate

__all__ = ["Layer", "LayerGraph", "LayerResult", "PropagationResult", "propagate"]

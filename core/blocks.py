"""Repeated blocks of a large model, found from Keras's layer-name prefixes.

Keras's applications name the layers of one block with a shared prefix or suffix:
ResNet and DenseNet ``conv2_block1_1_conv`` (block ``conv2_block1``), MobileNetV2
``block_3_expand`` (``block_3``), EfficientNet ``block2a_dwconv`` (``block2a``), VGG
``block1_conv1`` (``block1``), ResNet v2 / MXNet ports ``stage2_unit1_conv1``
(``stage2_unit1``), NASNet ``…_stem_1`` / ``…_reduce_4`` (``stem_1``, ``reduce_4``) and
its normal cells ``normal_add_1_5`` / ``adjust_conv_projection_5`` (``cell_5``).

Blocks are a way of *viewing* a model (View ▸ Group Blocks): they are not saved and change
no count. A block's subtotal is the sum of its layers' counts as propagation computed
them (``LayerResult.trainable`` / ``non_trainable``), so the blocks' subtotals plus the
layers outside any block add up to the model's total. Pure Python.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import PropagationResult
from paramlab.core.types import Shape

# (pattern, block name template): the first pattern that matches a layer's name wins
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(conv\d+_block\d+)_"), r"\1"),  # ResNet, DenseNet
    (re.compile(r"^(stage\d+_unit\d+)_"), r"\1"),  # ResNet v2 (MXNet-style names)
    (re.compile(r"^(block_\d+)_"), r"\1"),  # MobileNetV2
    (re.compile(r"^(block\d+[a-z])_"), r"\1"),  # EfficientNet
    (re.compile(r"^(block\d+)_"), r"\1"),  # VGG
    (re.compile(r"_(stem_\d+)$"), r"\1"),  # NASNet stem cells
    (re.compile(r"_(reduce_\d+)$"), r"\1"),  # NASNet reduction cells
    (re.compile(r"^(?:normal|reduction|adjust|separable)\w*?_(\d+)$"), r"cell_\1"),  # NASNet
)
MIN_BLOCK = 2  # a "block" of one layer is just a layer


@dataclass(frozen=True)
class Block:
    """One block: its name and layer ids (topological order)."""

    name: str
    members: tuple[str, ...]


def block_name(layer_name: str) -> str | None:
    """The block a layer called ``layer_name`` belongs to, or ``None``."""
    for pattern, template in PATTERNS:
        m = pattern.search(layer_name)
        if m is not None:
            return m.expand(template)
    return None


def find_blocks(graph: LayerGraph) -> list[Block]:
    """The blocks of ``graph``, in the order of their first layer.

    Layers of a nested model (a ``group``) are left out: they already fold as one node.
    A block needs at least ``MIN_BLOCK`` layers.
    """
    found: dict[str, list[str]] = {}
    for n in graph.topological_order():
        d = graph.raw(n)
        if d.get("group") is not None:
            continue
        name = block_name(d["name"])
        if name is not None:
            found.setdefault(name, []).append(n)
    return [Block(name, tuple(ids)) for name, ids in found.items() if len(ids) >= MIN_BLOCK]


def block_output(graph: LayerGraph, members: tuple[str, ...] | list[str]) -> str:
    """The member whose output leaves the block (else the last member)."""
    inside = set(members)
    for n in reversed(members):
        if any(dst not in inside for dst, _ in graph.outputs(n)):
            return n
    return members[-1]


def block_totals(graph: LayerGraph, result: PropagationResult, block: Block
                 ) -> tuple[int, int, Shape | None, int]:
    """``(trainable, non_trainable, output shape, unresolved layers)`` of ``block``."""
    trainable = non_trainable = bad = 0
    for n in block.members:
        r = result.layers.get(n)
        if r is None:
            continue
        trainable += r.trainable
        non_trainable += r.non_trainable
        bad += not r.ok
    out = result.layers.get(block_output(graph, block.members))
    return trainable, non_trainable, out.output_shape if out is not None else None, bad


__all__ = ["Block", "block_name", "block_output", "block_totals", "find_blocks"]

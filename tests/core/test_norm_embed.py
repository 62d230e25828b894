"""RMSNormalization, SpectralNormalization and ReversibleEmbedding beyond the per-layer figures
of ``tests/data/keras/hb_norm_embed*.json`` (real Keras 3.15.1; checked by
test_catalogue_reference.py and tests/io/test_keras_reference_summary.py).

Keras's rules (keras/src/layers/normalization/rms_normalization.py, spectral_normalization.py,
core/reversible_embedding.py): RMSNormalization's ``scale`` has the lengths of the axes,
sorted as given; SpectralNormalization adds ``vector_u (1, kernel.shape[-1])``,
non-trainable, to the wrapped layer's weights and refuses a layer without a kernel or
embeddings; ReversibleEmbedding's reverse call maps (..., output_dim) to (..., input_dim),
with ``reverse_embeddings (output_dim, input_dim)`` when ``tie_weights=False``.

PyTorch side from PyTorch's documentation of ``nn.RMSNorm(normalized_shape)``: one ``weight``
of ``normalized_shape`` over the trailing axes (elementwise_affine=True, its default).
"""
from __future__ import annotations

import json

import pytest

from paramlab.core.graph import LayerGraph
from paramlab.core.io.keras_json_export import to_keras_dict
from paramlab.core.io.loader import load_model
from paramlab.core.propagate import propagate
from tests.conftest import DATA


def run(type_name: str, config: dict, shape: tuple):
    g = LayerGraph()
    x = g.add_layer("InputLayer", config={"shape": list(shape)})
    layer = g.add_layer(type_name, config=config)
    g.connect(x, layer)
    return propagate(g).layers[layer]


def test_rms_normalization_torch_is_rmsnorm_on_trailing_axes():
    r = run("RMSNormalization", {"axis": [-2, -1], "epsilon": 1e-5}, (6, 4, 3))
    assert r.total == 12 and r.trainable == 12
    module = r.torch.mapping.modules[0]
    assert (module.cls, module.args) == ("RMSNorm", ((4, 3),))
    assert [(t.name, t.shape) for t in module.parameters] == [("weight", (4, 3))]
    middle = run("RMSNormalization", {"axis": 1}, (6, 4, 3))
    assert middle.total == 6 and not middle.torch.equivalent
    assert "trailing axes only" in middle.torch.mapping.unsupported


def test_rms_normalization_scale_follows_keras_raw_axis_order():
    # Keras sorts the axes as given: [1, -1] -> (x[-1], x[1])
    assert run("RMSNormalization", {"axis": [1, -1]}, (6, 4, 3)).weights[0].shape == (3, 6)


@pytest.mark.parametrize("inner, shape, weights", [
    ({"class_name": "Dense", "config": {"units": 5}}, (7,),
     [("kernel", (7, 5), True), ("vector_u", (1, 5), False), ("bias", (5,), True)]),
    ({"class_name": "Embedding", "config": {"input_dim": 20, "output_dim": 6}}, (10,),
     [("embeddings", (20, 6), True), ("vector_u", (1, 6), False)]),
    ({"class_name": "Conv1D", "config": {"filters": 4, "kernel_size": 3, "use_bias": False}},
     (9, 2), [("kernel", (3, 2, 4), True), ("vector_u", (1, 4), False)]),
])
def test_spectral_normalization_weights(inner, shape, weights):
    r = run("SpectralNormalization", {"layer": inner}, shape)
    assert [(w.name, w.shape, w.trainable) for w in r.weights] == weights


@pytest.mark.parametrize("inner, shape, params, buffers", [
    ({"class_name": "Dense", "config": {"units": 5}}, (8,),
     [("bias", (5,)), ("parametrizations.weight.original", (5, 8))], [(5,), (8,)]),
    ({"class_name": "Conv2D", "config": {"filters": 4, "kernel_size": 3}}, (8, 8, 3),
     [("bias", (4,)), ("parametrizations.weight.original", (4, 3, 3, 3))], [(4,), (27,)]),
    ({"class_name": "Embedding", "config": {"input_dim": 20, "output_dim": 6}}, (10,),
     [("parametrizations.weight.original", (20, 6))], [(20,), (6,)]),
    ({"class_name": "Conv2DTranspose", "config": {"filters": 4, "kernel_size": 3}},
     (8, 8, 3), [("bias", (4,)), ("parametrizations.weight.original", (3, 4, 3, 3))],
     [(4,), (27,)]),
])
def test_spectral_normalization_pytorch_is_spectral_norm(inner, shape, params, buffers):
    """Printed by torch 2.13.0 for ``torch.nn.utils.parametrizations.spectral_norm`` of
    nn.Linear(8, 5), nn.Conv2d(3, 4, 3), nn.Embedding(20, 6), nn.ConvTranspose2d(3, 4, 3):
    named_parameters and named_buffers (``parametrizations.weight.0._u`` and ``_v``)."""
    r = run("SpectralNormalization", {"layer": inner}, shape)
    mapping = r.torch.mapping
    assert r.torch.equivalent
    assert [(t.name, t.shape) for t in mapping.parameters] == params
    assert [(t.name, t.shape) for t in mapping.buffers] == [
        (f"parametrizations.weight.0._{k}", s) for k, s in zip("uv", buffers)]
    assert "u and v are buffers" in mapping.note


def test_spectral_normalization_needs_a_kernel():
    r = run("SpectralNormalization", {"layer": {"class_name": "BatchNormalization",
                                                "config": {}}}, (8,))
    assert r.diagnostic is not None
    assert "wraps a layer with a kernel or embeddings" in r.diagnostic.message


def test_reversible_embedding_reverse_call_checks_the_vector_length():
    ok = run("ReversibleEmbedding", {"input_dim": 50, "output_dim": 8, "reverse": True},
             (10, 8))
    assert ok.output_shape == (None, 10, 50) and ok.total == 400
    assert ok.macs == 10 * 8 * 50  # a matmul with the embeddings, as Dense's kernel
    bad = run("ReversibleEmbedding", {"input_dim": 50, "output_dim": 8, "reverse": True},
              (10, 6))
    assert "must equal output_dim (8)" in bad.diagnostic.message
    untied = run("ReversibleEmbedding", {"input_dim": 30, "output_dim": 4,
                                         "tie_weights": False}, (10,))
    assert untied.total == 2 * 30 * 4 and untied.macs == 0
    assert not untied.torch.equivalent


def test_keras_json_export_keeps_reverse_and_freezes_the_wrapped_layer():
    """Loaded by real Keras 3.15.1 (model_from_json), this export counts 1,010 parameters,
    971 trainable, the file's own totals: the reverse call keeps its argument, and the
    frozen wrapper's layer carries trainable: false (Keras's constructor flag alone would
    leave it trainable)."""
    config = to_keras_dict(load_model(str(DATA / "keras" / "hb_norm_embed.json")))
    layers = {layer["name"]: layer for layer in config["config"]["layers"]}
    assert [n["kwargs"] for n in layers["remb"]["inbound_nodes"]] == [{}, {"reverse": True}]
    frozen = layers["sn_frozen"]["config"]
    assert frozen["trainable"] is False and frozen["layer"]["config"]["trainable"] is False
    assert layers["sn_dense"]["config"]["layer"]["config"].get("trainable", True) is True
    json.dumps(config)  # JSON-serialisable


def test_the_properties_panel_names_the_wrapped_layer():
    from paramlab.core.catalogue.recurrent import nested_summary

    g = load_model(str(DATA / "keras" / "hb_norm_embed.json"))
    said = {n: nested_summary("SpectralNormalization", g.raw(g.id_of(n))["config"])
            for n in ("sn_conv", "sn_dense", "sn_emb")}
    assert said == {"sn_conv": ("Layer", "Conv2D(filters=4)"),
                    "sn_dense": ("Layer", "Dense(units=5)"),
                    "sn_emb": ("Layer", "Embedding(input_dim=20)")}
    assert nested_summary("SpectralNormalization", {}) == ("Layer", "Dense(units=32)")
    assert nested_summary("TimeDistributed", {"layer": {"class_name": "Nope"}}) == (
        "Layer", "the wrapped layer type 'Nope' is not in the catalogue")

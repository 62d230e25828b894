"""Freezing for transfer learning: "Freeze up to here" and "Unfreeze all" (Model menu).

lenet (Keras figures): conv2d 608, conv2d_1 3,216, dense 48,120, dense_1 10,164,
dense_2 850. Freezing up to dense makes 608 + 3,216 + 48,120 = 51,944 non-trainable and
leaves 10,164 + 850 = 11,014 trainable, as Keras counts a model whose layers up to dense
have ``trainable = False``.
"""
from __future__ import annotations

FROZEN = ("input_layer", "conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "flatten",
          "dense")


def test_freeze_up_to_here_is_one_undo_step(window, ui):
    window.select_ids([ui.layer_id(window, "dense")])
    assert window.acts.freeze_up_to.isEnabled()
    window.acts.freeze_up_to.trigger()
    graph = window.document.graph
    assert [n for n in FROZEN if graph.raw(ui.layer_id(window, n))["trainable"]] == []
    assert graph.raw(ui.layer_id(window, "dense_1"))["trainable"] is True
    assert graph.raw(ui.layer_id(window, "dense_2"))["trainable"] is True
    result = window.document.result
    assert (result.trainable, result.non_trainable, result.total) == (11_014, 51_944, 62_958)
    assert ui.total_row_text(window)["Non-trainable"] == "51,944"
    assert "Trainable: 11,014" in window.totals_label.text()
    assert window.properties.trainable_check.isChecked() is False
    assert window.document.undo_stack.count() == 1
    assert window.document.undo_stack.text(0) == "Freeze up to dense"
    window.acts.undo.trigger()
    assert window.document.result.non_trainable == 0
    assert all(graph.raw(n)["trainable"] for n in graph.layer_ids())


def test_unfreeze_all(window, ui):
    window.select_ids([ui.layer_id(window, "conv2d_1")])
    window.acts.freeze_up_to.trigger()
    assert window.document.result.non_trainable == 608 + 3_216
    window.acts.unfreeze_all.trigger()
    assert window.document.result.non_trainable == 0
    assert window.document.result.trainable == 62_958
    assert window.document.undo_stack.count() == 2
    window.acts.undo.trigger()
    assert window.document.result.non_trainable == 3_824


def test_nothing_to_freeze_is_reported(window, ui):
    dense = ui.layer_id(window, "dense")
    window.select_ids([dense])
    window.acts.freeze_up_to.trigger()
    window.acts.freeze_up_to.trigger()
    assert "already frozen" in window.statusBar().currentMessage()
    assert window.document.undo_stack.count() == 1
    window.acts.unfreeze_all.trigger()
    window.acts.unfreeze_all.trigger()
    assert "no layer is frozen" in window.statusBar().currentMessage()


def test_freeze_needs_exactly_one_layer(window, ui):
    window.select_ids([])
    assert not window.acts.freeze_up_to.isEnabled()
    window.select_ids([ui.layer_id(window, "dense"), ui.layer_id(window, "conv2d")])
    assert not window.acts.freeze_up_to.isEnabled()


def test_frozen_batch_norm_makes_gamma_beta_non_trainable(make_window):
    """bn_mlp: Dense(20 -> 64) 1,344; BatchNormalization(64): gamma and beta trainable
    (128), moving mean and variance not (128), as Keras's dense_bn reference shows;
    Dense(64 -> 1) 65. Freezing up to the BN layer (Keras: layer.trainable = False) makes
    all 1,344 + 256 non-trainable; only the head's 65 stay trainable."""
    window = make_window("bn_mlp")
    graph = window.document.graph
    bn = graph.id_of("batch_normalization")
    r = window.document.result.layers[bn]
    assert (r.trainable, r.non_trainable) == (128, 128)
    assert window.document.result.non_trainable == 128
    window.select_ids([bn])
    window.acts.freeze_up_to.trigger()
    r = window.document.result.layers[bn]
    assert (r.trainable, r.non_trainable) == (0, 256)
    result = window.document.result
    assert (result.trainable, result.non_trainable) == (65, 1_344 + 256)


def _agree(window, ui, trainable: int, non_trainable: int) -> None:
    """The status bar, the summary panel's total row, the collapsed vgg16 row and the
    propagation result all give the same counts (one rule, in propagation)."""
    result = window.document.result
    assert (result.trainable, result.non_trainable) == (trainable, non_trainable)
    assert f"Trainable: {trainable:,}" in window.totals_label.text()
    totals = ui.total_row_text(window)
    assert (totals["Trainable"], totals["Non-trainable"]) == (f"{trainable:,}",
                                                              f"{non_trainable:,}")
    from paramlab.core.summary import summarize

    base = next(r for r in summarize(window.document.graph, result).rows if r.name == "vgg16")
    assert base.total == VGG16_BASE


# Keras: VGG16(include_top=False) has 14,714,688 weights; the head Dense(25088 -> 256)
# 6,422,784 and Dense(256 -> 10) 2,570: 6,425,354.
VGG16_BASE, HEAD = 14_714_688, 6_425_354


def test_frozen_nested_model_unfreeze_all_freeze_up_to_and_undo(make_window, ui):
    window = make_window("vgg16_transfer")
    graph = window.document.graph
    _agree(window, ui, HEAD, VGG16_BASE)  # the vgg16 model is saved with trainable: false
    window.acts.unfreeze_all.trigger()
    assert graph.groups["vgg16"]["trainable"] is True
    _agree(window, ui, VGG16_BASE + HEAD, 0)
    window.select_ids([ui.layer_id(window, "flatten")])
    window.acts.freeze_up_to.trigger()
    _agree(window, ui, HEAD, VGG16_BASE)
    window.acts.undo.trigger()
    _agree(window, ui, VGG16_BASE + HEAD, 0)
    window.acts.undo.trigger()
    assert graph.groups["vgg16"]["trainable"] is False
    _agree(window, ui, HEAD, VGG16_BASE)


def test_frozen_nested_model_overrides_its_layers_flags(make_window, ui):
    # Keras: while model.trainable is False, none of its weights is trainable, whatever a
    # sublayer's own flag says; unfreezing one layer inside changes no count.
    window = make_window("vgg16_transfer")
    window.editor.set_trainable(ui.layer_id(window, "block5_conv3"), True)
    _agree(window, ui, HEAD, VGG16_BASE)

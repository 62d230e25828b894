"""IntegerLookup, StringLookup, TextVectorization, MelSpectrogram and STFTSpectrogram beyond
the per-layer figures of ``tests/data/keras/hb_text_audio*.json`` and ``hb_text_rank1.json``
(real Keras 3.15.1; checked by test_catalogue_reference.py and
tests/io/test_keras_reference_summary.py).

Keras's rules (keras/src/layers/preprocessing/index_lookup.py, text_vectorization.py,
stft_spectrogram.py): the encoded modes' depth is ``max_tokens`` with ``pad_to_max_tokens``,
else the vocabulary's size as Keras records it in ``vocabulary_size``; a config without that
key (an older file) gets it from the given vocabulary: its tokens, plus the OOV indices and,
in int mode, the mask index, a leading OOV token counted once.
"""
from __future__ import annotations

import json

import pytest

from paramlab.core.catalogue import get_spec
from paramlab.core.catalogue.keras_compat import from_keras_config
from paramlab.core.errors import LayerError
from tests.conftest import DATA

LOOKUPS = ("IntegerLookup", "StringLookup", "TextVectorization")


def _cases():
    for name in ("hb_text_audio", "hb_text_rank1"):
        data = json.loads((DATA / "keras" / f"{name}.json").read_text())
        shapes = {layer["name"]: layer["output_shape"] for layer in data["layers"]}
        for layer in data["config"]["config"]["layers"]:
            if layer["class_name"] in LOOKUPS and layer["config"]["vocabulary"] is not None:
                args = layer["inbound_nodes"][0]["args"][0]
                yield pytest.param(layer["class_name"], layer["config"],
                                   tuple(args["config"]["shape"]),
                                   tuple(shapes[layer["config"]["name"]]),
                                   id=layer["config"]["name"])


@pytest.mark.parametrize("class_name, config, input_shape, keras_shape", list(_cases()))
def test_depth_from_the_vocabulary_equals_keras_recorded_size(class_name, config,
                                                              input_shape, keras_shape):
    spec = get_spec(class_name)
    without = {k: v for k, v in config.items() if k != "vocabulary_size"}
    resolved = spec.resolve_config(from_keras_config(class_name, without))
    assert spec.output_shape((input_shape,), resolved) == keras_shape


@pytest.mark.parametrize("class_name, config, message", [
    ("IntegerLookup", {"pad_to_max_tokens": True, "output_mode": "count"},
     "pad_to_max_tokens=True needs max_tokens"),
    ("StringLookup", {"invert": True, "output_mode": "one_hot", "vocabulary_size": 3},
     "invert=True needs output_mode='int'"),
    ("TextVectorization", {"pad_to_max_tokens": True, "output_mode": "multi_hot"},
     "pad_to_max_tokens=True needs max_tokens"),
    ("STFTSpectrogram", {"frame_length": 64, "frame_step": 65}, "must not exceed"),
    ("STFTSpectrogram", {"frame_length": 64, "fft_length": 32}, "at least frame_length"),
    ("STFTSpectrogram", {"frame_length": 2000}, "larger than the input length 1000"),
    ("MelSpectrogram", {"fft_length": 256, "sequence_length": 512}, "at least sequence_length"),
])
def test_impossible_configs_give_one_clear_line(class_name, config, message):
    spec = get_spec(class_name)
    shape = {"MelSpectrogram": (None, 16000), "STFTSpectrogram": (None, 1000, 2)}.get(
        class_name, (None, 4))
    with pytest.raises(LayerError, match=message):
        spec.output_shape((shape,), spec.resolve_config(config))


def test_encoding_a_rank_one_input_needs_a_token_axis():
    spec = get_spec("IntegerLookup")
    config = spec.resolve_config({"output_mode": "multi_hot", "vocabulary_size": 4})
    with pytest.raises(LayerError, match="needs an input \\(batch, tokens\\)"):
        spec.output_shape(((None,),), config)


def test_stft_channels_first_and_an_unknown_length():
    """Real Keras 3.15.1 (printed while writing the reference files): STFTSpectrogram() on
    (None, None, 1) gives (None, None, 129) with 66,048 parameters (two (256, 1, 129)
    kernels). channels_first moves the channel axis before the samples and the features
    (bins·channels) before the frames (Keras compute_conv_output_shape)."""
    spec = get_spec("STFTSpectrogram")
    config = spec.resolve_config({})
    assert spec.output_shape(((None, None, 1),), config) == (None, None, 129)
    assert sum(w.size for w in spec.weights(((None, None, 1),), config)) == 66_048
    first = spec.resolve_config({"data_format": "channels_first"})
    assert spec.output_shape(((None, 2, 1000),), first) == (None, 258, 6)
    first["expand_dims"] = True
    assert spec.output_shape(((None, 2, 1000),), first) == (None, 2, 6, 129)


@pytest.mark.parametrize("class_name", LOOKUPS + ("MelSpectrogram", "STFTSpectrogram"))
def test_pytorch_convention_names_why_there_is_no_module(class_name):
    spec = get_spec(class_name)
    shape = {"MelSpectrogram": (None, 16000), "STFTSpectrogram": (None, 1000, 2)}.get(
        class_name, (None, 4))
    mapping = spec.torch((shape,), spec.resolve_config({}))
    assert mapping.unsupported and "ParamLab knows no" not in mapping.unsupported


def test_shape_derivations_a_student_reads():
    """The steps behind Keras's shapes in hb_text_audio.json: MelSpectrogram's frames
    (16000 + 512 + 1) // 512 = 32; STFTSpectrogram's valid frames ⌊(1000 − 64)/32⌋ + 1 = 30
    and 33 bins, doubled in stft mode, times 2 channels = 132."""
    from paramlab.core.shape_formula import shape_steps

    mel = get_spec("MelSpectrogram")
    assert shape_steps("MelSpectrogram", [(None, 16000)], mel.resolve_config({}),
                       (None, 128, 32)) == ("mel bins = num_mel_bins = 128",
                                            "frames: (16000 + 512 + 1) // 512 = 32",
                                            "output shape (None, 128, 32)")
    stft = get_spec("STFTSpectrogram")
    config = stft.resolve_config({"mode": "stft", "frame_length": 64, "frame_step": 32})
    assert shape_steps("STFTSpectrogram", [(None, 1000, 2)], config, (None, 30, 132))[:3] == (
        "frames: ⌊(1000 − 64)/32⌋ + 1 = 30", "bins = 64 // 2 + 1, ×2 (mode='stft') = 66",
        "features = bins·channels = 66·2 = 132")
    lookup = get_spec("IntegerLookup")
    config = lookup.resolve_config({"output_mode": "count", "max_tokens": 20,
                                    "pad_to_max_tokens": True})
    assert shape_steps("IntegerLookup", [(None, 4)], config, (None, 20))[0] == (
        "output_mode='count': last axis = max_tokens = 20 (pad_to_max_tokens)")

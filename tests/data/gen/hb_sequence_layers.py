"""Write the reference files ``tests/data/keras/hb_rnn_cell*.json`` (and later topics) from
real Keras: small models with the generic ``RNN`` layer over cells, normalization and text
layers, in the format of tests/data/REFERENCE.md.

Run with a Python that has Keras 3 (not ParamLab's venv; pytest does not collect this file):

    COLUMNS=300 KERAS_BACKEND=jax /path/to/keras-venv/bin/python \
        tests/data/gen/hb_sequence_layers.py [topic ...]

(topic ``text_audio``: the lookup layers need TensorFlow installed beside Keras, used only
for their lookup tables; the backend stays JAX.)

(``COLUMNS=300``: Keras's ``model.summary()`` keeps its default layout, unwrapped by a narrow
terminal.)

Every figure in the files is Keras's own: ``json.loads(model.to_json())``, each layer's
``output`` shapes (a list of shapes for a layer with several outputs, flattened in Keras's
tensor order), its ``weights`` and counts, ``count_params()`` and the totals lines of
``model.summary()``.
"""
from __future__ import annotations

import io
import json
import sys
from contextlib import redirect_stdout
from pathlib import Path

import keras
from keras import layers as L

OUT = Path(__file__).resolve().parents[1] / "keras"


def _shape(shape) -> list:
    return [None if d is None else int(d) for d in shape]


def _output_shape(layer) -> list:
    """The output shape of the layer's first call (a shared layer has several calls;
    ``layer.output`` is only defined for one)."""
    nodes = getattr(layer, "_inbound_nodes", None)
    out = nodes[0].outputs if nodes else layer.output
    if isinstance(out, (list, tuple)):
        flat = keras.tree.flatten(out)
        return [_shape(t.shape) for t in flat] if len(flat) > 1 else _shape(flat[0].shape)
    return _shape(out.shape)


def _count(weights) -> int:
    total = 0
    for w in weights:
        n = 1
        for d in w.shape:
            n *= int(d)
        total += n
    return total


def record(model: keras.Model, name: str, summary_text: bool = True) -> None:
    """Write ``OUT/<name>.json`` and ``OUT/<name>.summary.txt`` for ``model`` (not the
    latter with ``summary_text=False``)."""
    layers = []
    for layer in model.layers:
        layers.append({
            "name": layer.name,
            "class_name": type(layer).__name__,
            "output_shape": _output_shape(layer),
            "trainable": bool(layer.trainable),
            "trainable_params": _count(layer.trainable_weights),
            "non_trainable_params": _count(layer.non_trainable_weights),
            "total_params": layer.count_params(),
            "weights": [{"path": w.path, "shape": _shape(w.shape), "trainable": bool(w.trainable)}
                        for w in layer.weights],
        })
    ops = []
    in_layers = {id(layer) for layer in model.layers}
    for index, op in enumerate(getattr(model, "operations", [])):
        if id(op) in in_layers or isinstance(op, L.InputLayer):
            continue
        ops.append({"index_in_operations": index, "name": op.name,
                    "class_name": type(op).__name__, "module": type(op).__module__,
                    "output_shape": _output_shape(op)})
    text = io.StringIO()
    with redirect_stdout(text):
        model.summary()
    summary = text.getvalue()
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    data = {
        "name": name, "group": "handbuilt", "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "model_class": "Sequential" if isinstance(model, keras.Sequential) else "Functional",
        "config": json.loads(model.to_json()),
        "layers": layers,
        "non_layer_ops": ops,
        "totals": {"trainable": trainable, "non_trainable": non_trainable,
                   "total": trainable + non_trainable, "count_params": model.count_params()},
        "summary_totals": [line.strip() for line in summary.splitlines()
                           if line.strip().startswith(("Total params", "Trainable params",
                                                       "Non-trainable params"))],
    }
    (OUT / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")
    if summary_text:
        (OUT / f"{name}.summary.txt").write_text(summary)
    print(f"{name}: {model.count_params():,} parameters, {len(layers)} layers")


def rnn_cell() -> None:
    """The generic RNN layer over SimpleRNNCell / LSTMCell / GRUCell, a StackedRNNCells and
    a list of cells; return_sequences, return_state feeding a Concatenate, go_backwards,
    Bidirectional(RNN(cell)) with and without return_state, a frozen RNN."""
    x = keras.Input((6, 4), name="seq")
    seq, h, c = L.RNN(L.LSTMCell(6), return_sequences=True, return_state=True,
                      name="rnn_lstm")(x)
    states = L.Concatenate(name="states")([h, c])
    back = L.RNN(L.SimpleRNNCell(5, use_bias=False), go_backwards=True, name="rnn_simple")(x)
    stacked, s1, s2 = L.RNN(L.StackedRNNCells([L.SimpleRNNCell(3), L.GRUCell(5)]),
                            return_state=True, name="rnn_stacked")(x)
    listed = L.RNN([L.GRUCell(2, reset_after=False), L.LSTMCell(3)], return_sequences=True,
                   name="rnn_list")(seq)
    two_lstm, (h1, c1), (_, c2) = L.RNN([L.LSTMCell(3), L.LSTMCell(4)], return_state=True,
                                         name="rnn_two_lstm")(x)
    bi = L.Bidirectional(L.RNN(L.GRUCell(4)), name="bi_gru_cell")(listed)
    bi_out, fh, _, _, bc = L.Bidirectional(
        L.RNN(L.LSTMCell(3), return_sequences=True, return_state=True), name="bi_lstm_cell")(x)
    # Frozen as users freeze a layer (the setter reaches the cell and its config); the
    # constructor's trainable=False leaves the cell trainable (see REFERENCE.md).
    frozen_rnn = L.RNN(L.LSTMCell(2), name="rnn_frozen")
    frozen_rnn.trainable = False
    frozen = frozen_rnn(bi_out)
    frozen_cell = L.GRUCell(2)
    frozen_cell.trainable = False  # the cell alone: its weights are non-trainable
    cell_frozen = L.RNN(frozen_cell, name="rnn_cell_frozen")(x)
    merged = L.Concatenate(name="merged")([states, back, stacked, s1, s2, h1, c2, bi, fh, bc,
                                           frozen, two_lstm, cell_frozen])
    out = L.Dense(3, name="out")(merged)
    record(keras.Model(x, [out, c1], name="hb_rnn_cell"), "hb_rnn_cell")

    model = keras.Sequential([
        keras.Input((7, 3)),
        L.RNN(L.LSTMCell(8), return_sequences=True, name="rnn_seq_lstm"),
        L.RNN([L.SimpleRNNCell(4, activation="relu"), L.SimpleRNNCell(4)], go_backwards=True,
              name="rnn_seq_stack"),
        L.Dense(2, name="dense_out"),
    ], name="hb_rnn_cell_seq")
    record(model, "hb_rnn_cell_seq")


def norm_embed() -> None:
    """RMSNormalization (one axis, two axes, epsilon), SpectralNormalization around Conv2D,
    Dense and Embedding (one frozen), ReversibleEmbedding tied and untied, each called
    forward and then in reverse (a shared layer: its weights count once)."""
    tok = keras.Input((10,), dtype="int32", name="tok")
    remb = L.ReversibleEmbedding(50, 8, name="remb")
    rms = L.RMSNormalization(name="rms")(remb(tok))
    logits = remb(rms, reverse=True)
    untied = L.ReversibleEmbedding(30, 4, tie_weights=False, name="remb_untied")
    logits2 = untied(untied(tok), reverse=True)
    img = keras.Input((8, 8, 3), name="img")
    sn_conv = L.SpectralNormalization(L.Conv2D(4, 3), name="sn_conv")(img)
    rms_axes = L.RMSNormalization(axis=[1, 2], epsilon=1e-5, name="rms_axes")(sn_conv)
    sn_dense = L.SpectralNormalization(L.Dense(5), power_iterations=2, name="sn_dense")(rms)
    sn_emb = L.SpectralNormalization(L.Embedding(20, 6), name="sn_emb")(tok)
    frozen = L.SpectralNormalization(L.Dense(3), name="sn_frozen")
    frozen.trainable = False
    sn_frozen = frozen(sn_emb)
    rms_mid = L.RMSNormalization(axis=-2, name="rms_mid")(sn_frozen)
    # the reverse calls' outputs feed a layer, so the config records their shapes
    probs = L.Softmax(name="probs")(logits)
    probs2 = L.Softmax(name="probs2")(logits2)
    model = keras.Model([tok, img], [probs, probs2, rms_axes, sn_dense, rms_mid],
                        name="hb_norm_embed")
    record(model, "hb_norm_embed")

    model = keras.Sequential([
        keras.Input((12,), dtype="int32"),
        L.ReversibleEmbedding(40, 6, tie_weights=False, name="remb_seq"),
        L.RMSNormalization(epsilon=1e-5, name="rms_seq"),
        L.SpectralNormalization(L.Dense(7), name="sn_seq"),
        L.Flatten(name="flat"),
    ], name="hb_norm_embed_seq")
    record(model, "hb_norm_embed_seq")


def text_audio() -> None:
    """IntegerLookup, StringLookup and TextVectorization in every output mode (with a given
    vocabulary, pad_to_max_tokens, mask and OOV tokens, a vocabulary that repeats the OOV
    token, split=None, output_sequence_length), feeding an Embedding and a Dense;
    MelSpectrogram and STFTSpectrogram (every kernel case, same padding, expand_dims,
    an unknown length). The lookups need TensorFlow installed beside Keras."""
    ids = keras.Input((4,), dtype="int64", name="ids")
    il_int = L.IntegerLookup(vocabulary=[7, 8, 9], name="il_int")(ids)
    emb = L.Embedding(4, 3, name="emb")(il_int)
    il_mh = L.IntegerLookup(vocabulary=[7, 8, 9, 10, 11], output_mode="multi_hot",
                            name="il_mh")(ids)
    il_oh = L.IntegerLookup(vocabulary=[7, 8, 9], output_mode="one_hot", mask_token=0,
                            name="il_oh")(ids)
    il_pad = L.IntegerLookup(max_tokens=20, pad_to_max_tokens=True, output_mode="count",
                             name="il_pad")(ids)
    il_tfidf = L.IntegerLookup(vocabulary=[7, 8], output_mode="tf_idf",
                               idf_weights=[0.5, 0.2], name="il_tfidf")(ids)
    text = keras.Input((3,), dtype="string", name="words")
    sl_oh = L.StringLookup(vocabulary=["a", "b"], num_oov_indices=2, output_mode="one_hot",
                           name="sl_oh")(text)
    sl_int = L.StringLookup(vocabulary=["a", "b"], mask_token="", name="sl_int")(text)
    sl_inv = L.StringLookup(vocabulary=["a", "b"], mask_token="", invert=True,
                            name="sl_inv")(sl_int)
    sl_unk = L.StringLookup(vocabulary=["[UNK]", "a", "b"], output_mode="multi_hot",
                            name="sl_unk")(text)
    line = keras.Input((1,), dtype="string", name="line")
    tv_int = L.TextVectorization(vocabulary=["the", "cat"], output_sequence_length=6,
                                 name="tv_int")(line)
    tv_emb = L.Embedding(4, 2, name="tv_emb")(tv_int)
    tv_ragged = L.TextVectorization(vocabulary=["the", "cat"], name="tv_ragged")(line)
    tv_mh = L.TextVectorization(vocabulary=["the", "cat", "sat"], output_mode="multi_hot",
                                name="tv_mh")(line)
    tv_cnt = L.TextVectorization(max_tokens=50, pad_to_max_tokens=True, output_mode="count",
                                 name="tv_cnt")(line)
    tv_tfidf = L.TextVectorization(vocabulary=["a", "b"], output_mode="tf_idf",
                                   idf_weights=[0.3, 0.2], ngrams=2, name="tv_tfidf")(line)
    tv_nosplit = L.TextVectorization(vocabulary=["a", "b"], split=None,
                                     output_sequence_length=3, name="tv_nosplit")(line)
    audio = keras.Input((16000,), name="audio")
    mel = L.MelSpectrogram(name="mel")(audio)
    mel2 = L.MelSpectrogram(fft_length=512, sequence_stride=128, num_mel_bins=40,
                            name="mel2")(audio)
    stereo = keras.Input((1000, 2), name="stereo")
    stft = [L.STFTSpectrogram(name="stft_log")(stereo),
            L.STFTSpectrogram(mode="stft", frame_length=64, frame_step=32,
                              name="stft_stft")(stereo),
            L.STFTSpectrogram(mode="real", frame_length=100, padding="same",
                              expand_dims=True, name="stft_real")(stereo),
            L.STFTSpectrogram(mode="imag", frame_length=50, fft_length=128,
                              name="stft_imag")(stereo)]
    frozen = L.STFTSpectrogram(mode="magnitude", frame_length=32, name="stft_frozen")
    frozen.trainable = False
    stft.append(frozen(stereo))
    stream = keras.Input((None, 1), name="stream")
    stft.append(L.STFTSpectrogram(mode="psd", frame_length=16, name="stft_stream")(stream))
    outputs = [emb, il_mh, il_oh, il_pad, il_tfidf, sl_oh, sl_inv, sl_unk, tv_emb, tv_ragged,
               tv_mh, tv_cnt, tv_tfidf, tv_nosplit, mel, mel2, *stft]
    model = keras.Model([ids, text, line, audio, stereo, stream], outputs,
                        name="hb_text_audio")
    record(model, "hb_text_audio")

    # One string per sample, shape (None,), which Keras's summary prints "(None)".
    doc = keras.Input((), dtype="string", name="doc")
    tv_mh0 = L.TextVectorization(vocabulary=["the", "cat", "sat"], output_mode="multi_hot",
                                 name="tv_mh0")(doc)
    tv_dense = L.Dense(2, name="tv_dense")(tv_mh0)
    tv_nosplit_mh = L.TextVectorization(vocabulary=["a", "b"], output_mode="multi_hot",
                                        split=None, name="tv_nosplit_mh")(doc)
    sl_doc = L.StringLookup(vocabulary=["x", "y"], output_mode="one_hot", name="sl_doc")(doc)
    model = keras.Model(doc, [tv_dense, tv_nosplit_mh, sl_doc], name="hb_text_rank1")
    record(model, "hb_text_rank1")

    model = keras.Sequential([
        keras.Input((1,), dtype="string"),
        L.TextVectorization(vocabulary=["a", "b", "c"], output_sequence_length=5,
                            name="tv_seq"),
        L.Embedding(5, 4, name="emb_seq"),
        L.Flatten(name="flat_seq"),
    ], name="hb_text_audio_seq")
    record(model, "hb_text_audio_seq")


TOPICS = {"rnn_cell": rnn_cell, "norm_embed": norm_embed, "text_audio": text_audio}

if __name__ == "__main__":
    for topic in sys.argv[1:] or list(TOPICS):
        TOPICS[topic]()

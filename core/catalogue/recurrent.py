"""Recurrent layers and wrappers (Keras ``keras/src/layers/rnn/``).

Inputs are ``(None, timesteps, features)`` (ConvLSTM: ``(None, timesteps, *spatial,
channels)``, or ``(None, timesteps, channels, *spatial)`` with ``channels_first``).
Output: the last step ``(None, units)``, or every step ``(None, timesteps, units)`` with
``return_sequences``. With ``return_state`` Keras returns
the last states too, as more outputs (``extra_outputs``): LSTM ``[output, state_h,
state_c]``, GRU and SimpleRNN ``[output, state]``, each state ``(None, units)``;
Bidirectional ``[output, *forward states, *backward states]`` (5 tensors for an LSTM),
with ``merge_mode=None`` ``[forward, backward, *forward states, *backward states]``.

Weights follow each cell's ``build``: ``kernel (features, g·units)``,
``recurrent_kernel (units, g·units)`` and ``bias (g·units,)`` with g = 1 (SimpleRNN),
4 (LSTM), 3 (GRU; bias ``(2, 3·units)`` with ``reset_after=True``, Keras's default).

``Bidirectional`` and ``TimeDistributed`` wrap a nested layer, kept in the config as
``layer: {"class_name": ..., "config": {...}}`` (not an editable field) and computed through
the catalogue recursively.

MACs (cost_conventions.md; T timesteps, all of them whether or not ``return_sequences``):
SimpleRNN / LSTM / GRU ``T·g·units·(features + units)`` with g = 1, 4, 3 (both ``reset_after``);
ConvLSTM ``T·prod(out_sp)·prod(k)·(C_in + F)·4F`` (the input convolution plus the recurrent
one, ``same`` on the state); Bidirectional the forward plus the backward layer;
TimeDistributed ``T·`` the wrapped layer on one timestep.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from paramlab.core.catalogue.common import ranked_input
from paramlab.core.catalogue.conv import DATA_FORMAT, spatial_output
from paramlab.core.costs import size
from paramlab.core.errors import LayerError
from paramlab.core.fields import (
    FieldKind,
    FieldSpec,
    activation_field,
    bool_field,
    choice_field,
    float_field,
    int_field,
    ints_field,
)
from paramlab.core.shapes import (
    require_known,
    rules_see_channels_last,
    to_channels_first,
    to_channels_last,
)
from paramlab.core.spec import Config, LayerSpec, one_input
from paramlab.core.types import Shape, WeightSpec

_GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}
RNN_TYPES = ("SimpleRNN", "LSTM", "GRU", "RNN", "CuDNNLSTM", "CuDNNGRU", "ConvLSTM1D",
             "ConvLSTM2D", "ConvLSTM3D")


def _sequence_fields() -> tuple[FieldSpec, ...]:
    return (
        bool_field("return_sequences", False,
                   doc="Output every time step (None, steps, units) instead of the last."),
        bool_field("return_state", False, doc="Also return the last states, as more outputs "
                                              "(LSTM: state_h, state_c; GRU: state)."),
        bool_field("go_backwards", False, doc="Process the sequence backwards."),
        bool_field("stateful", False),
        bool_field("unroll", False),
        float_field("dropout", 0.0, 0.0, 1.0, doc="Dropout on the inputs."),
        float_field("recurrent_dropout", 0.0, 0.0, 1.0, doc="Dropout on the recurrent state."),
    )


#: Keras 2's cuDNN-only layers (``keras/layers/cudnn_recurrent.py``, also
#: ``tf.compat.v1.keras.layers``) and the layer whose rules they share: no activation,
#: dropout or use_bias arguments, and cuDNN's two bias vectors in one flat bias
#: ``(2·g·units,)`` (CuDNNLSTM 8·units, CuDNNGRU 6·units).
CUDNN = {"CuDNNLSTM": "LSTM", "CuDNNGRU": "GRU"}


def rnn_spec(type_name: str) -> LayerSpec:
    """The spec of ``SimpleRNN``, ``LSTM``, ``GRU``, ``CuDNNLSTM`` or ``CuDNNGRU``."""
    cudnn = type_name in CUDNN
    base = CUDNN.get(type_name, type_name)
    gates = _GATES[base]

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = ranked_input(inputs, 3, type_name)
        if cudnn and config.get("time_major"):
            raise LayerError(f"{type_name}(time_major=True) takes (steps, batch, features): "
                             "not supported")
        if config["return_sequences"]:
            return (None, x[1], config["units"])
        return (None, config["units"])

    def weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
        features = require_known(one_input(inputs)[-1], f"the feature axis of {type_name}'s input")
        units = config["units"]
        w = [WeightSpec("kernel", (features, gates * units)),
             WeightSpec("recurrent_kernel", (units, gates * units))]
        if cudnn:  # bias_ih and bias_hh of every gate, in one vector
            w.append(WeightSpec("bias", (2 * gates * units,)))
        elif config["use_bias"]:
            if type_name == "GRU" and config["reset_after"]:
                w.append(WeightSpec("bias", (2, gates * units)))
            else:
                w.append(WeightSpec("bias", (gates * units,)))
        return tuple(w)

    def macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
        x, units = inputs[0], config["units"]
        return size(x[1:2]) * gates * units * (size(x[-1:]) + units)

    n_states = 2 if base == "LSTM" else 1

    def states(inputs: tuple[Shape, ...], config: Config, out: Shape) -> tuple[Shape, ...]:
        return ((None, config["units"]),) * n_states if config["return_state"] else ()

    fields: tuple[FieldSpec, ...] = (
        int_field("units", 32, doc="Size of the output and of the state."),)
    if cudnn:
        fields += tuple(f for f in _sequence_fields() if f.name not in (
            "unroll", "dropout", "recurrent_dropout"))
        if base == "LSTM":
            fields += (bool_field("unit_forget_bias", True,
                                  doc="Initialise the forget gate's bias to 1."),)
        return LayerSpec(
            type_name, "Recurrent", fields, output_shape, weights, macs=macs,
            extra_outputs=states,
            doc=f"Keras 2's GPU-only {base} (cuDNN): tanh and sigmoid, two bias vectors. "
                f"Parameters: (features + units + 2)·{gates}·units — a kernel, a recurrent "
                f"kernel and a bias of 2·{gates}·units.")
    fields += (activation_field("tanh"),)
    if gates > 1:
        fields += (FieldSpec("recurrent_activation", FieldKind.STR, "sigmoid",
                             choices=activation_field().choices, optional=True,
                             doc="Activation of the gates."),)
    fields += (bool_field("use_bias", True),) + _sequence_fields()
    if type_name == "LSTM":
        fields += (bool_field("unit_forget_bias", True,
                              doc="Initialise the forget gate's bias to 1."),)
    if type_name == "GRU":
        fields += (bool_field("reset_after", True,
                              doc="Apply the reset gate after the matrix product (Keras 3 "
                                  "and cuDNN default): two bias vectors, (2, 3·units)."),)
    g = {1: "", 3: "3·", 4: "4·"}[gates]
    bias = "2·3·units (reset_after) or 3·units" if type_name == "GRU" else f"{g}units"

    return LayerSpec(
        type_name, "Recurrent", fields, output_shape, weights, macs=macs, extra_outputs=states,
        doc={"SimpleRNN": "Fully connected recurrent layer: h = tanh(x·W + h·U + b).",
             "LSTM": "Long short-term memory: 4 gates (input, forget, cell, output).",
             "GRU": "Gated recurrent unit: 3 gates (update, reset, new)."}[type_name]
        + f" Parameters: (features + units)·{g}units + {bias} — a kernel, a recurrent "
          "kernel and a bias.")


#: Keras cell class -> the recurrent layer whose rules it shares (``SimpleRNN`` is
#: ``RNN(SimpleRNNCell)`` in Keras's own source): one weight, shape and MAC rule per cell.
CELL_LAYERS = {"SimpleRNNCell": "SimpleRNN", "LSTMCell": "LSTM", "GRUCell": "GRU"}
_N_STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}
DEFAULT_CELL = {"class_name": "LSTMCell", "config": {"units": 32}}


@dataclasses.dataclass(frozen=True)
class Cell:
    """One cell of a generic ``RNN``: its Keras class, the spec of the recurrent layer whose
    rules it shares, its resolved config (as that layer's), the prefix of its weights
    (``lstm_cell``: Keras's path ``rnn/lstm_cell/kernel``), and its own ``trainable`` flag
    (a frozen cell's weights are non-trainable, Keras ``Layer.trainable``)."""

    class_name: str
    spec: LayerSpec
    config: dict[str, Any]
    prefix: str
    trainable: bool


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower()
                   for i, c in enumerate(name))


def rnn_cells(config: Config) -> tuple[Cell, ...]:
    """The cells of an ``RNN`` config's ``cell``, in call order: one cell config
    ``{"class_name": "LSTMCell", "config": {...}}``, a ``StackedRNNCells`` (what Keras
    writes for ``RNN([cell, cell])``) or a list of cells; LSTMCell(32) when absent.

    Raises:
        LayerError: the value is malformed, or a cell is not SimpleRNNCell, LSTMCell or
            GRUCell.
    """
    from paramlab.core.catalogue import get_spec
    from paramlab.core.catalogue.keras_compat import from_keras_config

    value = config.get("cell")
    if value is None:
        value = DEFAULT_CELL
    items = value
    if isinstance(value, dict):
        items = [value]
        if value.get("class_name") == "StackedRNNCells":
            inner = value.get("config")
            items = inner.get("cells") if isinstance(inner, dict) else None
    if not isinstance(items, list) or not items:
        raise LayerError(f"RNN: cell must be a cell config, a StackedRNNCells or a non-empty "
                         f"list of cells, got {value!r}")
    cells, used = [], set()
    for item in items:
        name = item.get("class_name") if isinstance(item, dict) else None
        if name not in CELL_LAYERS:
            raise LayerError(f"RNN: the cell {name or item!r} is not one ParamLab knows "
                             f"({', '.join(CELL_LAYERS)}, or a StackedRNNCells of them)")
        inner = _inner_config(item, f"the {name}")
        trainable = inner.get("trainable", True)
        if not isinstance(trainable, bool):
            raise LayerError(f"RNN: the {name}'s trainable must be true or false, got "
                             f"{trainable!r}")
        prefix = inner.get("name")
        if not isinstance(prefix, str) or not prefix or prefix in used:
            base, k = _snake(name), 0
            prefix = base
            while prefix in used:
                k += 1
                prefix = f"{base}_{k}"
        used.add(prefix)
        layer = CELL_LAYERS[name]
        spec = get_spec(layer)
        assert spec is not None
        cells.append(Cell(name, spec, spec.resolve_config(from_keras_config(name, inner)),
                          prefix, trainable))
    return tuple(cells)


def _cell_inputs(x: Shape, cells: tuple[Cell, ...]) -> list[Shape]:
    """Each cell's input as its layer's rules take it: ``(None, T, features)``, then the
    previous cell's units (Keras ``StackedRNNCells.build``)."""
    out = [x]
    for cell in cells[:-1]:
        out.append((None, x[1], cell.config["units"]))
    return out


def _rnn_output(inputs: tuple[Shape, ...], config: Config) -> Shape:
    """Keras ``RNN.compute_output_shape``: the last cell's units, every step with
    ``return_sequences``."""
    x = ranked_input(inputs, 3, "RNN")
    units = rnn_cells(config)[-1].config["units"]
    return (None, x[1], units) if config["return_sequences"] else (None, units)


def _rnn_states(inputs: tuple[Shape, ...], config: Config, out: Shape) -> tuple[Shape, ...]:
    """With ``return_state``: every cell's states, flattened in Keras's tensor order
    (LSTMCell h, c; GRUCell and SimpleRNNCell one), each ``(None, units)``."""
    if not config["return_state"]:
        return ()
    return tuple((None, c.config["units"]) for c in rnn_cells(config)
                 for _ in range(_N_STATES[c.spec.type]))


def _rnn_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    x = ranked_input(inputs, 3, "RNN")
    cells = rnn_cells(config)
    return tuple(WeightSpec(f"{c.prefix}/{w.name}", w.shape, w.trainable and c.trainable)
                 for c, step in zip(cells, _cell_inputs(x, cells))
                 for w in c.spec.weights((step,), c.config))


def _rnn_macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
    x = ranked_input(inputs, 3, "RNN")
    cells = rnn_cells(config)
    return sum(c.spec.macs((step,), out, c.config)
               for c, step in zip(cells, _cell_inputs(x, cells)))


def cell_summary(config: Config) -> str:
    """The cells of an ``RNN`` config in a line a student reads (``LSTMCell(units=6)``,
    ``StackedRNNCells: SimpleRNNCell(units=3) → GRUCell(units=5)``), or why it is
    invalid."""
    try:
        cells = rnn_cells(config)
    except LayerError as exc:
        return str(exc)
    text = " → ".join(f"{c.class_name}(units={c.config['units']}"
                      f"{'' if c.trainable else ', trainable=False'})" for c in cells)
    return f"StackedRNNCells: {text}" if len(cells) > 1 else text


#: The layer a wrapper wraps when its config has no ``layer`` (a palette-made one).
WRAPPED_DEFAULT = {"Bidirectional": "LSTM", "TimeDistributed": "Dense",
                   "SpectralNormalization": "Dense"}


def nested_summary(type_name: str, config: Config) -> tuple[str, str] | None:
    """What a layer nests, for the properties panel (it is not an editable field):
    ``("Cell", "LSTMCell(units=6)")`` for an ``RNN``; ``("Layer", "Dense(units=5)")`` for a
    wrapper (its layer's first argument), ``("Layer", "RNN: GRUCell(units=4)")`` over an
    RNN; the error's text when the nested config is invalid; ``None`` for a layer that
    nests nothing."""
    if type_name == "RNN":
        return "Cell", cell_summary(config)
    if type_name not in WRAPPED_DEFAULT:
        return None
    try:
        spec, cfg, _ = nested(config, WRAPPED_DEFAULT[type_name])
    except LayerError as exc:
        return "Layer", str(exc)
    if spec.type == "RNN":
        return "Layer", f"RNN: {cell_summary(cfg)}"
    if not spec.fields:
        return "Layer", spec.type
    first = spec.fields[0].name
    return "Layer", f"{spec.type}({first}={cfg[first]!r})"


def _generic_rnn_spec() -> LayerSpec:
    fields = tuple(f for f in _sequence_fields() if "dropout" not in f.name) + (
        bool_field("zero_output_for_mask", False,
                   doc="Masked steps output zeros instead of the previous step's output."),)
    return LayerSpec(
        "RNN", "Recurrent", fields, _rnn_output, _rnn_weights, macs=_rnn_macs,
        extra_outputs=_rnn_states,
        doc="Runs a recurrent cell (its 'cell' config: SimpleRNNCell, LSTMCell, GRUCell, or a "
            "StackedRNNCells of them; LSTMCell(32) by default) over the time steps. "
            "Parameters: each cell's kernel, recurrent kernel and bias, as SimpleRNN, LSTM "
            "or GRU count theirs: (features + units + 1)·g·units with g = 1, 4, 3 (GRU's "
            "reset_after: a second bias).")


def conv_lstm_spec(rank: int) -> LayerSpec:
    """The spec of ``ConvLSTM{rank}D`` (Keras ``ConvLSTMCell.build``: kernel
    ``(*kernel_size, channels, 4·filters)``, recurrent_kernel ``(*kernel_size, filters,
    4·filters)``, bias ``(4·filters,)``).

    Its rules see shapes in the config's axis order (``native_data_format``): channels_last
    ``(None, T, *spatial, C)``, channels_first ``(None, T, C, *spatial)``, the channel axis
    after the time axis. As Keras's ``ConvLSTM.compute_output_shape`` does, the cell's
    convolution rule runs on one step ``(None,) + input[2:]``; its output is the state
    (``(None, *spatial', filters)`` or ``(None, filters, *spatial')``), and the layer's
    output is the state, or ``(None, T) + state[1:]`` with ``return_sequences``."""
    type_name = f"ConvLSTM{rank}D"

    def step(x: Shape, config: Config) -> Shape:
        """One time step of ``x``, channels-last (``ConvLSTMCell.build``'s channel axis)."""
        one = (None,) + tuple(x[2:])
        return to_channels_last((one,))[0] if config["data_format"] == "channels_first" else one

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = ranked_input(inputs, rank + 3, type_name)
        if max(config["strides"]) > 1 and max(config["dilation_rate"]) > 1:
            raise LayerError("strides > 1 cannot be combined with dilation_rate > 1")
        state = (None,) + spatial_output(step(x, config), config, rank) + (config["filters"],)
        if config["data_format"] == "channels_first":
            state = to_channels_first(state)
        return (None, x[1]) + state[1:] if config["return_sequences"] else state

    def weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
        cin = require_known(step(one_input(inputs), config)[-1],
                            "the channel axis of the input")
        k, f = tuple(config["kernel_size"]), config["filters"]
        w = [WeightSpec("kernel", k + (cin, 4 * f)),
             WeightSpec("recurrent_kernel", k + (f, 4 * f))]
        if config["use_bias"]:
            w.append(WeightSpec("bias", (4 * f,)))
        return tuple(w)

    def macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
        x, f = inputs[0], config["filters"]
        state = out[2:] if config["return_sequences"] else out[1:]  # no batch, no time
        spatial = state[1:] if config["data_format"] == "channels_first" else state[:-1]
        return size(x[1:2]) * size(spatial) * size(config["kernel_size"]) \
            * (size(step(x, config)[-1:]) + f) * 4 * f

    fields = (
        int_field("filters", 32, doc="Number of output channels."),
        ints_field("kernel_size", 3, rank, doc="Size of the convolution window."),
        ints_field("strides", 1, rank),
        choice_field("padding", "valid", ("valid", "same")),
        dataclasses.replace(DATA_FORMAT, doc="Axis order: channels_last (batch, time, ..., "
                            "channels), Keras's default, or channels_first (batch, time, "
                            "channels, ...)."),
        ints_field("dilation_rate", 1, rank),
        activation_field("tanh"),
        FieldSpec("recurrent_activation", FieldKind.STR, "sigmoid",
                  choices=activation_field().choices, optional=True),
        bool_field("use_bias", True),
        bool_field("unit_forget_bias", True),
    ) + _sequence_fields()
    def states(inputs: tuple[Shape, ...], config: Config, out: Shape) -> tuple[Shape, ...]:
        if not config["return_state"]:
            return ()
        state = (None,) + tuple(out[2:]) if config["return_sequences"] else out
        return (state, state)  # h and c: the output without its time axis

    return LayerSpec(
        type_name, "Recurrent", fields, output_shape, weights, macs=macs, extra_outputs=states,
        native_data_format=True,
        doc=f"LSTM whose input and recurrent transformations are {rank}D convolutions; input "
            f"(None, steps, *spatial, channels), or (None, steps, channels, *spatial) with "
            f"channels_first. Parameters: k·(channels + filters)·4·filters + 4·filters.")


def nested(config: Config, default_class: str) -> tuple[LayerSpec, dict[str, Any], str]:
    """The catalogue spec, resolved config and class name of a wrapper's nested ``layer``.

    Raises:
        LayerError: the nested config is malformed or its type is not in the catalogue.
    """
    from paramlab.core.catalogue import get_spec
    from paramlab.core.catalogue.keras_compat import from_keras_config

    value = config.get("layer") or {"class_name": default_class, "config": {}}
    if not isinstance(value, dict) or not isinstance(value.get("class_name"), str):
        raise LayerError(f"layer must be a nested layer config with a class_name, got {value!r}")
    class_name = value["class_name"]
    spec = get_spec(class_name)
    if spec is None:
        raise LayerError(f"the wrapped layer type {class_name!r} is not in the catalogue")
    inner = _inner_config(value, f"the wrapped {class_name}")
    return spec, spec.resolve_config(from_keras_config(class_name, inner)), class_name


def _inner_config(value: dict[str, Any], what: str) -> dict[str, Any]:
    """The ``config`` of a nested layer or cell ``{"class_name", "config"}`` (absent: {}).

    Raises:
        LayerError: it is not an object.
    """
    inner = value.get("config")
    if inner is None:
        return {}
    if not isinstance(inner, dict):
        raise LayerError(f"the config of {what} must be an object, got {type(inner).__name__}")
    return inner


def _backward(config: Config, forward: tuple[LayerSpec, dict[str, Any], str]
              ) -> tuple[LayerSpec, dict[str, Any], str]:
    if config.get("backward_layer"):
        return nested({"layer": config["backward_layer"]}, forward[2])
    return forward


def _bidirectional_parts(config: Config):
    fwd = nested(config, WRAPPED_DEFAULT["Bidirectional"])
    if fwd[2] not in RNN_TYPES:
        raise LayerError(f"Bidirectional wraps a recurrent layer ({', '.join(RNN_TYPES)}), "
                         f"got {fwd[2]}")
    return fwd, _backward(config, fwd)


def _bidirectional_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    fwd, bwd = _bidirectional_parts(config)
    out = fwd[0].output_shape(inputs, fwd[1])
    back = bwd[0].output_shape(inputs, bwd[1])
    if config["merge_mode"] == "concat":
        if out[:-1] != back[:-1]:
            raise LayerError(f"Bidirectional: forward and backward outputs differ: {out} "
                             f"and {back}")
        last = None if out[-1] is None or back[-1] is None else out[-1] + back[-1]
        return out[:-1] + (last,)
    if config["merge_mode"] is not None and out != back:
        raise LayerError(f"Bidirectional merge_mode={config['merge_mode']!r} needs equal "
                         f"forward and backward outputs, got {out} and {back}")
    return out


def _bidirectional_states(inputs: tuple[Shape, ...], config: Config, out: Shape
                          ) -> tuple[Shape, ...]:
    """The outputs of Keras's ``Bidirectional.call`` after the first: with
    ``merge_mode=None`` the backward layer's output (``[forward, backward]``, the backward
    sequence flipped back into time order); with ``return_state`` then the forward layer's
    states and the backward layer's (LSTM: h, c, h, c)."""
    parts = _bidirectional_parts(config)
    states: tuple[Shape, ...] = ()
    if config["merge_mode"] is None:
        bwd = parts[1]
        states = (bwd[0].output_shape(inputs, bwd[1]),)
    for spec, cfg, _ in parts:
        if spec.extra_outputs is not None:
            states += spec.extra_outputs(inputs, cfg, spec.output_shape(inputs, cfg))
    return states


def _bidirectional_weights(inputs: tuple[Shape, ...], config: Config
                           ) -> tuple[WeightSpec, ...]:
    # Keras Bidirectional.build builds forward_layer then backward_layer.
    fwd, bwd = _bidirectional_parts(config)
    return tuple(WeightSpec(f"{prefix}/{w.name}", w.shape, w.trainable)
                 for prefix, part in (("forward", fwd), ("backward", bwd))
                 for w in part[0].weights(inputs, part[1]))


def _bidirectional_macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
    return sum(spec.macs(inputs, spec.output_shape(inputs, cfg), cfg)
               for spec, cfg, _ in _bidirectional_parts(config))


def _inner_input(inputs: tuple[Shape, ...]) -> tuple[Shape, Shape]:
    x = one_input(inputs)
    if len(x) < 3:
        raise LayerError(f"TimeDistributed needs an input of rank 3 or more (batch, time, "
                         f"...), got {x}")
    return x, (None,) + x[2:]


def _wrapped(config: Config, inner: Shape) -> tuple[LayerSpec, dict[str, Any], Shape, bool]:
    """TimeDistributed's layer, its config, its one-step input as its rules take it, and
    whether its output goes back to channels_first. The rules see what propagation would
    hand them as a layer of their own (``core.propagate``): a channels_first layer's
    shapes channels-last, unless the spec reads ``data_format`` itself."""
    spec, cfg, _ = nested(config, WRAPPED_DEFAULT["TimeDistributed"])
    first = rules_see_channels_last(spec, cfg)
    return spec, cfg, to_channels_last((inner,))[0] if first else inner, first


def _time_distributed_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    x, inner = _inner_input(inputs)
    spec, cfg, step, first = _wrapped(config, inner)
    if spec.inputs.minimum != 1:
        raise LayerError(f"TimeDistributed wraps a one-input layer, got {spec.type}")
    out = spec.output_shape((step,), cfg)
    if first:
        out = to_channels_first(out)
    return (None, x[1]) + tuple(out[1:])


def _time_distributed_weights(inputs: tuple[Shape, ...], config: Config
                              ) -> tuple[WeightSpec, ...]:
    _, inner = _inner_input(inputs)
    spec, cfg, step, _ = _wrapped(config, inner)
    return spec.weights((step,), cfg)


def _time_distributed_macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
    x, inner = _inner_input(inputs)
    spec, cfg, step, _ = _wrapped(config, inner)
    return size(x[1:2]) * spec.macs((step,), spec.output_shape((step,), cfg), cfg)


SPECS = tuple(rnn_spec(t) for t in ("SimpleRNN", "LSTM", "GRU", *CUDNN)) \
    + (_generic_rnn_spec(),) \
    + tuple(conv_lstm_spec(r) for r in (1, 2, 3)) + (
    LayerSpec(
        "Bidirectional", "Recurrent",
        (choice_field("merge_mode", "concat", ("concat", "sum", "mul", "ave", None),
                      doc="How the forward and backward outputs are combined (None: "
                          "both returned, forward first)."),),
        _bidirectional_shape, _bidirectional_weights, macs=_bidirectional_macs,
        extra_outputs=_bidirectional_states,
        doc="Runs a recurrent layer (its 'layer' config; LSTM(32) by default) forwards and a "
            "copy backwards. Parameters: twice the wrapped layer's (two independent sets)."),
    LayerSpec(
        "TimeDistributed", "Recurrent", (),
        _time_distributed_shape, _time_distributed_weights, macs=_time_distributed_macs,
        doc="Applies the wrapped layer (its 'layer' config; Dense(32) by default) to every "
            "time step. Parameters: the wrapped layer's, once (shared across steps)."),
)

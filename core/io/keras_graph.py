"""Turning a parsed Keras model config (Keras 3 or Keras 2) into a :class:`LayerGraph`.

Mapping (see ``keras/src/models/functional.py`` and ``sequential.py`` for the format):

* each Keras layer is one node named as in the file, typed by its ``class_name``, its
  config converted by the catalogue (``core.catalogue.keras_compat.from_keras_config``);
* each tensor a call consumes is one edge carrying its input index;
* a layer called ``n`` times (a shared layer) is ``n`` nodes: the first keeps the file's
  name and owns the weights, call ``k`` is ``f"{name}_call{k}"`` with ``shared_with`` set;
* a model used as a layer (transfer learning) is flattened into the graph: its layers get
  ``group=<nested model name>`` and the group is registered in ``graph.groups``; a nested
  model whose ``trainable`` is false freezes every one of its layers;
* operations that Keras 3 lists as layers (``module`` ``keras.src.ops.*``: ``x + y``,
  ``x * y``, the Embedding mask's ``x != 0``) are weightless nodes; only their tensor
  arguments become edges;
* a class the catalogue does not know (a custom layer, ``Lambda``) is an opaque node whose
  ``output_shape`` is taken from the file when the file records one.

Nothing is executed and no module named in the file is imported. Every malformed input
raises :class:`core.errors.ModelFileError`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:  # a dependency; without it every layer is converted and checked on its own
    from orjson import dumps as _dumps
except ImportError:  # pragma: no cover
    _dumps = None

from paramlab.core.catalogue import get_spec
from paramlab.core.catalogue.keras_compat import from_keras_config, implicit_input_shape
from paramlab.core.errors import GraphError, LayerError, ModelFileError
from paramlab.core.fields import FieldKind, FieldSpec
from paramlab.core.graph import LayerGraph
from paramlab.core.io import keras2_config, keras3_config
from paramlab.core.io.keras_calls import (
    NO_OPTIONS,
    Call,
    TensorRef,
    history,
    new_call,
    tensor_leaves,
)
from paramlab.core.io.keras_unwrap import (
    KERAS1_MESSAGE,
    MODEL_CLASSES,
    is_keras1_layer,
    sequential_layers,
    unwrap_model,
)
from paramlab.core.spec import LayerSpec
from paramlab.core.text import MAX_NAME, elide_name, elide_value, name_too_long

log = logging.getLogger(__name__)

OP_MODULES = ("keras.src.ops", "keras.ops")
#: Keras 3 operations imported onto a catalogue layer of the same name and meaning; other
#: operations keep their class name when the catalogue lists it as an operation
#: (``NotEqual``), else become the opaque type ``ops.<class>``.
OP_LAYERS = frozenset({"Add", "Multiply"})
#: Models nested deeper than this are refused (Keras applications nest one level).
MAX_MODEL_DEPTH = 32
#: Steps allowed when following nested-model inputs and outputs to a layer.
MAX_ALIAS_STEPS = 10_000

Key = tuple[int, str, int, int]  # (scope, layer name, node index, tensor index)
# One field's type check: (field name, value types that surely pass, whether a list of
# whole numbers passes, kind); a type's spec and its checks.
_Check = tuple[str, frozenset[type], bool, FieldKind]
# A type's spec, the type checks of all its fields, and of those whose JSON type a
# successful resolve_config does not settle (see _validate).
_TypeChecks = tuple["LayerSpec | None", tuple[_Check, ...], tuple[_Check, ...]]
NO_CALL = Call((), (), NO_OPTIONS)  # a layer called with nothing (an input, a first layer)
_NO_SOURCE: tuple[dict[str, Any], tuple[TensorRef, ...]] = ({}, ())
_INTS_ONLY = frozenset({int})
_TYPE_CHECKS: dict[str, _TypeChecks] = {}  # type name -> its checks (see _type_checks)
_ABSENT = object()
# (class name, module, frozen scope, number of inputs, the config's JSON text with a null
# name) -> (type, converted config, trainability, spec, resolved config): see _repeat_key.
_RepeatKey = tuple[Any, Any, bool, int, bytes]
_Made = tuple[str, dict[str, Any], bool, LayerSpec, "dict[str, Any] | None"]


@dataclass
class _Scope:
    """The layers of one model instance (the top model, or one call of a nested model)."""

    id: int
    group: str | None
    frozen: bool
    owner: _Scope | None  # the scope of call 0 when this is a later call of a nested model
    suffix: str  # appended to names of later calls of a nested model
    nodes: dict[tuple[str, int], str] = field(default_factory=dict)  # (layer, call) -> node id
    calls: dict[str, int] = field(default_factory=dict)  # layer -> number of calls
    inputs: dict[str, tuple[_Scope, TensorRef]] = field(default_factory=dict)
    children: dict[tuple[str, int], _Scope] = field(default_factory=dict)  # nested model calls

    def __post_init__(self) -> None:
        # The top model: no owner, suffix or group, so a layer's node needs nothing worked
        # out but a free name (see _Builder._layer).
        self.plain = self.owner is None and not self.suffix and self.group is None


def build_graph(obj: Any, path: str | Path, owned: bool = False,
                finite: bool = False) -> LayerGraph:
    """Build the graph of a Keras model config (``json.loads(model.to_json())``).

    ``owned=True``: ``obj`` was parsed for this call only and is not used again, so layer
    configs may keep its containers instead of copying them (faster). ``finite=True``: every
    float in ``obj`` is finite (orjson parsed it), so a layer config's JSON text tells it
    from every other (see ``_Builder._repeat_key``).

    Raises:
        ModelFileError: not a model config, or malformed (wrong types, unknown or dangling
            references, a cycle, duplicate names).
    """
    return _Builder(path, owned, finite).build(obj)


class _Builder:
    def __init__(self, path: str | Path, owned: bool = False, finite: bool = False) -> None:
        self.path = path
        self.graph = LayerGraph()
        self.scopes = 0
        # (scope, layer, node, tensor) -> (scope, tensor) it stands for, and the nested model
        # whose input or output it is (named in error messages).
        self.alias: dict[Key, tuple[_Scope, TensorRef, str]] = {}
        self.bases: dict[tuple[int, str], int] = {}  # (scope, nested model) -> first node index
        # (node id, scope, input tensors, layer name, layer entry); "layer 'name'" is only
        # formatted for an error message.
        self.pending: list[tuple[str, _Scope, list[TensorRef], str, dict[str, Any]]] = []
        self.opaque: list[tuple[str, dict[str, Any]]] = []
        # (group, call scope, its output tensors) of each call of a top-level nested model:
        # its declared outputs, kept on the group once every node exists.
        self.group_calls: list[tuple[str, _Scope, list[TensorRef]]] = []
        # (scope, layer name, number of inputs) -> what a shared call of it is made of:
        # (type, converted config, trainable, spec, file config); see _layer.
        self.templates: dict[tuple[int, str, int], tuple[Any, ...]] = {}
        self.top_layers: Any = None  # the top model's "layers", for self.reserved
        self._reserved: set[str] | None = None
        self.owned = owned
        # Per type name, once per import: its spec and the type checks of its fields
        # (see _check_types); Enum members hash slowly, so never per layer.
        self._types: dict[str, _TypeChecks] = {}
        self._classes: set[str] = set()  # class names already found valid
        self.new_id = self.graph.new_id
        # Layers wait here and enter the graph in one LayerGraph.add_layers call (bulk
        # building: a layer called 100,000 times); names and owners are looked up here.
        self.rows: list[tuple[str, str, str, dict[str, Any], bool, str | None, str | None]] = []
        self.names: set[str] = set()
        self.owner_of: dict[str, str] = {}  # shared call's node id -> owner's node id
        # node id -> (spec, resolved config), for propagation (see _validate)
        self.validated = self.graph.validated_configs
        # Layers whose file config equals an earlier layer's but for the name (most layers
        # of a keras.applications model): what the first one was converted and checked to.
        self.repeats: dict[_RepeatKey, _Made] = {}
        self.finite = finite and _dumps is not None

    def fail(self, detail: str) -> ModelFileError:
        return ModelFileError(self.path, detail)

    # ------------------------------------------------------------------ entry
    def build(self, obj: Any) -> LayerGraph:
        obj = unwrap_model(obj, self.path)
        if not isinstance(obj, dict):
            raise self.fail(f"a Keras model config must be a JSON object, got {type(obj).__name__}")
        cls = obj.get("class_name")
        if not isinstance(cls, str) or cls not in MODEL_CLASSES:
            if isinstance(cls, str):
                raise self.fail(f"the file holds a {cls!r}, not a Keras model (expected "
                                "class_name Sequential, Functional or Model)")
            raise self.fail("not a Keras model config: no class_name (expected the output of "
                            "model.to_json(), a .keras archive or a Keras .h5 file)")
        cfg = self._model_config(obj, "the model")
        name = cfg.get("name")
        self.graph.name = name if isinstance(name, str) and name else "model"
        self.top_layers = cfg.get("layers")
        top = self._new_scope(None, False, None, "")
        outputs = self._model(obj, top, depth=0, input_refs=None)
        self.graph.add_layers(self.rows)
        self.rows.clear()
        self._connect()
        self._record_opaque_shapes()
        if self.group_calls:
            self._record_group_outputs()
        if obj.get("class_name") != "Sequential":
            if outputs:
                self._record_model_outputs(top, outputs)
            self._record_model_inputs(top, cfg)
        return self.graph

    @property
    def reserved(self) -> set[str]:
        """The names of the top model's layers (made-up names and the layers of nested
        models must not take them); computed when first needed, which a model without
        nested models or shared layers never does."""
        if self._reserved is None:
            self._reserved = {n for n in (_layer_name(layer) for layer in
                                          _as_list(self.top_layers)) if n is not None}
        return self._reserved

    # ------------------------------------------------------------------ models
    def _model(self, obj: dict[str, Any], scope: _Scope, depth: int,
               input_refs: list[tuple[_Scope, TensorRef]] | None) -> list[TensorRef]:
        """Add one model instance's layers to the graph; return its output tensors.

        ``input_refs`` (for a nested model) are the tensors the model is called on; its
        own inputs are wired straight to them instead of becoming InputLayer nodes.
        """
        if depth > MAX_MODEL_DEPTH:
            raise self.fail(f"models are nested more than {MAX_MODEL_DEPTH} levels deep")
        cfg = self._model_config(obj, "the model")
        layers = cfg.get("layers")
        if not isinstance(layers, list):
            raise self.fail(f"model {cfg.get('name')!r}: 'layers' must be a list, got "
                            f"{type(layers).__name__}")
        if obj.get("class_name") == "Sequential":
            return self._sequential(cfg, layers, scope, depth, input_refs)
        return self._functional(cfg, layers, scope, depth, input_refs)

    def _named_layers(self, model: Any, layers: list[Any], scope: _Scope):
        """``(layer, name)`` of each entry of a model's ``layers`` list, checked to be an
        object with a name not yet used in ``scope``. The caller records the name in
        ``scope.calls`` before asking for the next one."""
        for i, layer in enumerate(layers):
            if type(layer) is not dict and not isinstance(layer, dict):
                raise self.fail(f"model {model!r}: layer {i} must be an object, got "
                                f"{type(layer).__name__}")
            name = layer.get("name")
            if type(name) is not str or not name or len(name) > MAX_NAME:
                name = self._name_of(layer, i)  # the general rule, and its errors
            if name in scope.calls:
                raise self.fail(f"model {model!r}: two layers are named {name!r}")
            yield layer, name

    def _functional(self, cfg: dict[str, Any], layers: list[Any], scope: _Scope, depth: int,
                    input_refs: list[tuple[_Scope, TensorRef]] | None) -> list[TensorRef]:
        model = cfg.get("name")
        entries = []
        calls_of, path = scope.calls, self.path
        plain = keras3_config.plain_call
        for layer, name in self._named_layers(model, layers, scope):
            nodes = layer.get("inbound_nodes")
            # parse_inbound_nodes's common case without its call: one plain Keras 3 call
            if (type(nodes) is list and len(nodes) == 1 and type(nodes[0]) is dict
                    and (call := plain(nodes[0])) is not None):
                calls = [call]
            else:
                calls = parse_inbound_nodes(nodes, name, path)
            calls_of[name] = len(calls) or 1
            entries.append((layer, name, calls))
        in_names = [h[0] for h in self._io_list(cfg.get("input_layers"), model, "input_layers")]
        out_refs = [TensorRef(*h) for h in
                    self._io_list(cfg.get("output_layers"), model, "output_layers")]
        if input_refs is not None:
            self._bind_inputs(scope, in_names, input_refs, model)
        used: dict[str, set[int]] | None = None  # see _used; only nested models need it
        inputs = scope.inputs
        add = self._layer
        # A layer of the top model called once, named by its entry (never by its config:
        # see reserved), is the only node made from its config: with an owned tree the
        # config is converted in place (see _layer).
        own = self.owned and scope.plain
        for layer, name, calls in entries:
            cls = layer.get("class_name")
            lcfg = layer.get("config")
            # Not a model when its class is a plain string outside MODEL_CLASSES and its
            # config has no "layers" (what _is_model decides, without the call).
            if not (type(cls) is str and cls not in MODEL_CLASSES and type(lcfg) is dict
                    and "layers" not in lcfg) and _is_model(layer):
                if used is None:
                    used = _used(entries, out_refs)
                base = _first_call_index(layer, len(calls), used.get(name, set()))
                self._nested(layer, name, calls, scope, depth, base)
            elif cls == "InputLayer" and name in inputs:
                continue  # wired to the tensor the enclosing model passes in
            elif len(calls) == 1:
                add(layer, name, 0, calls[0], scope, own and layer.get("name") == name)
            elif not calls:
                add(layer, name, 0, NO_CALL, scope)
            else:
                for k, call in enumerate(calls):
                    add(layer, name, k, call, scope)
        return out_refs

    def _sequential(self, cfg: dict[str, Any], layers: list[Any], scope: _Scope, depth: int,
                    input_refs: list[tuple[_Scope, TensorRef]] | None) -> list[TensorRef]:
        model = cfg.get("name")
        named = []
        for layer, name in self._named_layers(model, layers, scope):
            scope.calls[name] = 1
            named.append((layer, name))
        prev: TensorRef | None = None
        start = 0
        if named and named[0][0].get("class_name") == "InputLayer":
            first, name = named[0]
            start = 1
            prev = TensorRef(name, 0, 0)
            if input_refs is not None:
                self._bind_inputs(scope, [name], input_refs, model)
            else:
                self._layer(first, name, 0, NO_CALL, scope)
        elif input_refs is not None:
            self._bind_inputs(scope, ["__input__"], input_refs, model)
            prev = TensorRef("__input__", 0, 0)
        else:
            prev = self._synthetic_input(cfg, named, scope)
        for layer, name in named[start:]:
            call = new_call([prev] if prev is not None else [])
            if _is_model(layer):
                self._nested(layer, name, [call], scope, depth, 0)
            else:
                self._layer(layer, name, 0, call, scope)
            prev = TensorRef(name, 0, 0)
        return [prev] if prev is not None else []

    def _synthetic_input(self, cfg: dict[str, Any], named: list[tuple[dict[str, Any], str]],
                         scope: _Scope) -> TensorRef | None:
        """A Sequential config without an InputLayer: Keras 3 keeps the input shape in the
        first layer's ``batch_shape`` / ``build_config`` or in the model's
        ``build_input_shape``; Keras 2 in the first layer's ``batch_input_shape``."""
        shape = None
        if named:
            first, first_name = named[0]
            for _ in range(MAX_MODEL_DEPTH):  # a nested model first: its own first layer
                inner = sequential_layers(first) or first.get("config")
                if not (_is_model(first) and isinstance(inner, dict) and inner.get("layers")
                        and isinstance(inner["layers"][0], dict)):
                    break
                first = inner["layers"][0]
            lcfg = first.get("config")
            try:
                dims = implicit_input_shape(str(first.get("class_name")), lcfg)
            except LayerError as exc:
                raise self.fail(f"layer {first_name!r}: {exc}") from None
            if dims is not None:
                shape = [None, *dims]
            else:
                shape = _build_shape(first)
        if shape is None and _is_shape(cfg.get("build_input_shape")):
            shape = cfg["build_input_shape"]
        if shape is None:
            log.info("Sequential model without an input shape: its first layer stays unconnected")
            return None
        name, i = "input_layer", 0
        while name in scope.calls or name in self.reserved or name in self.names:
            i += 1
            name = f"input_layer_{i}"
        scope.calls[name] = 1
        layer = {"class_name": "InputLayer", "config": {"batch_shape": list(shape), "name": name}}
        self._layer(layer, name, 0, NO_CALL, scope)
        return TensorRef(name, 0, 0)

    def _bind_inputs(self, scope: _Scope, names: list[str],
                     input_refs: list[tuple[_Scope, TensorRef]], model: Any) -> None:
        for i, name in enumerate(names):
            if i < len(input_refs):
                outer_scope, ref = input_refs[i]
                scope.inputs[name] = (outer_scope, ref)
                self.alias[(scope.id, name, 0, 0)] = (outer_scope, ref, f"nested model {model!r}")
            else:
                log.warning("nested model %r: input %r is not fed", model, name)

    def _nested(self, layer: dict[str, Any], name: str, calls: list[Call], scope: _Scope,
                depth: int, base: int) -> None:
        """Add a model used as a layer; its call ``k`` is node index ``base + k`` to the
        layers that consume it (see :func:`_first_call_index`)."""
        cfg = self._model_config(layer, f"nested model {name!r}")
        trainable = self._trainable(cfg, name)
        group = scope.group
        if group is None:
            group = name
            cls = layer.get("class_name")
            self.graph.groups[group] = {"type": cls if isinstance(cls, str) else "Functional",
                                        "trainable": trainable, "collapsed": True}
        frozen = scope.frozen or not trainable
        self.bases[(scope.id, name)] = base
        for k, call in enumerate(calls or [None]):
            # Call 0 of a nested model owns its weights, unless the enclosing model is
            # itself a later call of a shared model; later calls share call 0's weights.
            if k > 0:
                owner = scope.children[(name, 0)]
            elif scope.owner is not None:
                owner = scope.owner.children.get((name, 0))
            else:
                owner = None
            suffix = scope.suffix if k == 0 else f"{scope.suffix}_call{k}"
            sub = self._new_scope(group, frozen, owner, suffix)
            scope.children[(name, k)] = sub
            refs = None if call is None else [(scope, ref) for ref in call.inputs]
            outputs = self._model(layer, sub, depth + 1, refs)
            if scope.group is None:
                self.group_calls.append((group, sub, outputs))
            for t, out in enumerate(outputs):
                self.alias[(scope.id, name, base + k, t)] = (
                    sub, out, f"the outputs of nested model {name!r}")

    # ------------------------------------------------------------------ layers
    def _layer(self, layer: dict[str, Any], name: str, k: int, call: Call, scope: _Scope,
               in_place: bool = False) -> None:
        """Add call ``k`` of ``layer`` (named ``name``) as a node (a shared call when
        ``k > 0``). ``in_place``: this node is the only one made from the layer's config,
        and nothing reads the config afterwards: it is converted in place, not copied
        (``owned`` trees only); either way the converted config becomes the node's own."""
        inputs = call.inputs
        template = None
        if k > 1 and not call.constants:
            template = self.templates.get((scope.id, name, len(inputs)))
        resolved = None
        first = None  # the key this layer's making is filed under (see _repeat_key)
        if template is not None:
            # A later call of a shared layer: the same class, config and trainability as
            # its first shared call, converted and checked once (a layer called 100,000
            # times is imported in bulk).
            type_name, config, trainable, spec, cfg = template
            config = dict(config)
        elif (k == 0 and self.finite and not call.constants
              and (call.options is NO_OPTIONS or not call.options)
              and type(cfg := layer.get("config")) is dict
              and (first := self._repeat_key(layer, cfg, scope.frozen, len(inputs))) is not None
              and (made := self.repeats.get(first)) is not None):
            # The same file config as an earlier layer's but for the name: made alike, from
            # the same conversion and checks (the resolved config is shared, read-only).
            type_name, config, trainable, spec, resolved = made
            config = dict(config)
        else:
            cls = layer.get("class_name")
            if type(cls) is not str or cls not in self._classes:
                self._check_class(cls, name)
            cfg = layer.get("config")
            if type(cfg) is not dict:  # the f-string only when needed: this runs per layer
                cfg = self._config_of(layer, f"layer {name!r}")
            if is_keras1_layer(cls, cfg):
                raise self.fail(f"{KERAS1_MESSAGE} (layer {name!r} uses Keras 1 arguments)")
            module = layer.get("module")
            is_op = (module is not None and isinstance(module, str)
                     and module.startswith(OP_MODULES))
            type_name = _op_type(cls, len(inputs)) if is_op else cls
            trainable = cfg.get("trainable", True)  # before an in-place conversion drops it
            try:
                config = from_keras_config(type_name, cfg, 0, self.owned, in_place)
            except LayerError as exc:
                raise self.fail(f"layer {name!r} ({cls}): malformed config: {exc}") from None
            if type(config) is not dict and not isinstance(config, dict):
                raise self.fail(f"layer {name!r} ({cls}): its config could not be converted")
            options = call.options
            if options is not NO_OPTIONS and options:
                config.update(options)  # return_attention_scores: what the call returns
            if is_op and call.constants:
                scalars = [c for c in call.constants if isinstance(c, (int, float, bool))]
                if scalars:
                    config["constant"] = scalars[0]
            known = self._types.get(type_name)
            if known is None:
                known = self._type_checks(type_name)
            spec = known[0]
            if spec is not None:
                resolved = self._validate(spec, type_name, config, name, known)
            if trainable is not True and trainable is not False:
                trainable = self._trainable_value(trainable, name)  # refuses it, in one place
            trainable = trainable and not scope.frozen
            if first is not None and spec is not None:
                self.repeats[first] = (type_name, config, trainable, spec, resolved)
            if k == 1 and not is_op:
                # The template's config is this node's own (not copied): nothing changes a
                # node's config before every call has copied it (see above).
                self.templates[(scope.id, name, len(inputs))] = (type_name, config,
                                                                 trainable, spec, cfg)
        # The node (inline: this runs once per layer call).
        names = self.names
        if k == 0 and scope.plain and name not in names:
            owner_id = None
            display = name  # the top model's layer under its own free name: nothing to work out
        else:
            owner_id, display = self._place(name, k, scope)
        node_id = self.new_id()
        self.rows.append((node_id, type_name, display, config, trainable, owner_id,
                          scope.group))
        names.add(display)
        if owner_id is not None:
            self.owner_of[node_id] = owner_id
        scope.nodes[(name, k)] = node_id
        if resolved is not None:
            self.validated[node_id] = (spec, resolved)
        if inputs:
            self.pending.append((node_id, scope, inputs, name, layer))
        if spec is None:
            self.opaque.append((node_id, cfg))

    def _repeat_key(self, layer: dict[str, Any], cfg: dict[str, Any], frozen: bool,
                    n_inputs: int) -> _RepeatKey | None:
        """The key under which a layer made from ``layer`` is filed in ``self.repeats``: its
        class name, module, frozen scope, number of inputs and the JSON text of its config
        with a null name (orjson, at C speed: cheaper than converting and checking the
        config again); ``None`` when the config cannot be written as JSON. Two layers
        with the same key are made alike, but for the name: equal JSON texts mean equal
        configs when every float is finite (``finite``; orjson writes NaN as null).
        ``cfg`` is left as it was. ``None`` too for a class name or module that is not a
        string (a key must hash; _layer's checks word the problem)."""
        cls, module = layer.get("class_name"), layer.get("module")
        if type(cls) is not str or (module is not None and type(module) is not str):
            return None
        name = cfg.get("name", _ABSENT)
        cfg["name"] = None
        try:
            return (cls, module, frozen, n_inputs, _dumps(cfg))
        except TypeError:  # orjson's JSONEncodeError: a value JSON cannot hold
            return None
        finally:
            if name is _ABSENT:
                del cfg["name"]
            else:
                cfg["name"] = name

    def _check_class(self, cls: Any, name: str) -> None:
        """Refuse a class_name that is not a non-empty string of a sane length; remember
        one that is (a model repeats a few classes)."""
        if not isinstance(cls, str) or not cls:
            raise self.fail(f"layer {elide_name(name)!r}: class_name must be a non-empty "
                            f"string, got {elide_value(cls)}")
        if len(cls) > MAX_NAME:
            raise self.fail(f"layer {elide_name(name)!r}: {name_too_long(cls, 'class_name')}")
        if type(cls) is str:
            self._classes.add(cls)

    def _place(self, name: str, k: int, scope: _Scope) -> tuple[str | None, str]:
        """The owner of call ``k`` of layer ``name`` (the node whose weights it shares, or
        ``None``) and the node's display name."""
        owner = scope.owner
        if owner is not None:
            owner_id = owner.nodes.get((name, 0))
        elif k > 0:
            owner_id = scope.nodes.get((name, 0))
        else:
            owner_id = None
        if owner_id is not None:
            # Point at the layer that really owns the weights, never at another call.
            owner_id = self.owner_of.get(owner_id, owner_id)
        suffix = scope.suffix
        if k == 0:
            display = f"{name}{suffix}" if suffix else name
        else:
            display = f"{name}{suffix}_call{k}"
        display = self._free_name(display, scope, made_up=display != name)
        if display in self.names:  # _free_name rules it out; LayerGraph's wording
            raise self.fail(f"layer {name!r}: a layer named {display!r} already exists; "
                            "names must be unique")
        return owner_id, display

    def _free_name(self, name: str, scope: _Scope, made_up: bool) -> str:
        """The file's name, unless another layer has it already (a nested model's layer
        named like an outer one): then ``<group>/<name>``, made unique. A name ParamLab
        makes up (``dense_call1``) never takes a name the file gives a top-level layer."""
        taken = name in self.names
        if made_up or scope.group is not None:
            taken = taken or name in self.reserved
        if not taken:
            return name
        stem = f"{scope.group}/{name}" if scope.group and not made_up else name
        candidate, i = stem, 0
        while candidate in self.names or candidate in self.reserved:
            i += 1
            candidate = f"{stem}_{i}"
        return candidate

    def _recorded_input_shape(self, node_id: str, index: int,
                              sources: dict[str, tuple[dict[str, Any], list[TensorRef]]]
                              ) -> list[Any] | None:
        """The shape the file records for input ``index`` of ``node_id``: its Keras 3
        ``__keras_tensor__`` shape, else (Keras 2) its ``build_config.input_shape``.
        ``sources``: node id -> (layer entry, input tensors)."""
        layer, inputs = sources.get(node_id, _NO_SOURCE)
        if index >= len(inputs):
            return None
        shape = inputs[index].shape
        if shape is not None:
            return list(shape)
        built = _build_shape(layer, allow_nested=True)
        if built is None:
            return None
        if len(inputs) == 1 and _is_shape(built):
            return built
        if len(built) == len(inputs) and _is_shape(built[index]):
            return built[index]
        return None

    def _type_checks(self, type_name: str) -> _TypeChecks:
        """The spec of ``type_name`` and one check per field of it, made once per spec
        (Enum members hash slowly; kept while the catalogue holds the same spec): (field
        name, value types that surely pass, whether a list of whole numbers passes, kind).
        ``None`` (the field is not set) always passes. A number field with its own
        validation (Rescaling's scale, a number or a per-channel list) also takes a list;
        its validation words any problem."""
        spec = get_spec(type_name)
        known = _TYPE_CHECKS.get(type_name)
        if known is not None and known[0] is spec:
            self._types[type_name] = known
            return known
        checks = () if spec is None else tuple(
            (f.name, frozenset(_SURELY_OK[f.kind] + (type(None),) + (
                (list,) if f.kind is FieldKind.FLOAT and type(f) is not FieldSpec else ())),
             f.kind in _INT_LISTS, f.kind) for f in spec.fields)
        # What a value FieldSpec.validate accepts cannot have the wrong JSON type, but for
        # whole numbers written as floats inside a list (validate takes [3.0, 3.0], the
        # type check does not) and for a field subclass's own validate: those fields are
        # checked even when the config resolves (see _validate).
        unsettled = () if spec is None else tuple(
            check for check, f in zip(checks, spec.fields)
            if f.kind in _INT_LISTS or type(f) is not FieldSpec)
        known = self._types[type_name] = (spec, checks, unsettled)
        if spec is not None:  # the catalogue's types only: a file's own names come and go
            _TYPE_CHECKS[type_name] = known
        return known

    def _validate(self, spec: LayerSpec, type_name: str, config: dict[str, Any], name: str,
                  known: _TypeChecks) -> dict[str, Any] | None:
        """Refuse a field value of the wrong JSON type (see :meth:`_check_types`); return
        ``spec.resolve_config(config)`` when it succeeds (propagation takes it from
        ``LayerGraph.validated_configs`` instead of resolving the config again), else
        ``None``: an out-of-range value is left to propagation, which flags the layer and
        words the problem. A resolved config has every field of a kind validate settles
        of a right type: only the others are checked then, in field order as always, so
        the first wrong field is the one reported either way."""
        try:
            resolved = spec.resolve_config(config)
        except Exception:  # noqa: BLE001 - propagation reports it (a rule's bug included)
            self._check_types(type_name, config, name, known[1])
            return None
        if known[2]:
            self._check_types(type_name, config, name, known[2])
        return resolved

    def _check_types(self, type_name: str, config: dict[str, Any], name: str,
                     checks: tuple[_Check, ...]) -> None:
        """Refuse a value whose JSON type cannot be right for the catalogue field (units
        given as text, kernel_size as an object ...); ``checks``: those of the fields to
        check (see :meth:`_type_checks`). Out-of-range values are left to propagation,
        which flags the layer without refusing the file."""
        get = config.get
        for field_name, surely_ok, int_list, kind in checks:
            value = get(field_name)
            t = type(value)
            if t in surely_ok or (int_list and t is list
                                  and _INTS_ONLY.issuperset(map(type, value))):
                continue  # the common cases, decided without _type_ok
            if not _type_ok(kind, value):
                raise self.fail(f"layer {name!r} ({type_name}): {field_name} has the wrong "
                                f"type: expected {_KIND_TEXT[kind]}, got {_short(value)}")

    def _trainable(self, cfg: dict[str, Any], name: str) -> bool:
        return self._trainable_value(cfg.get("trainable", True), name)

    def _trainable_value(self, value: Any, name: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(f"layer {name!r}: trainable must be true or false, got {_short(value)}")
        return value

    # ------------------------------------------------------------------ wiring
    def _connect(self) -> None:
        # Every edge is resolved first and made in one LayerGraph.connect_many call; an
        # edge that cannot be resolved stops the list there, after the edges before it
        # are made (and checked), so the first error in file order is the one reported.
        edges: list[tuple[str, str, int, int]] = []
        append = edges.append
        alias = self.alias
        unresolved: ModelFileError | None = None
        try:
            for node_id, scope, refs, name, _ in self.pending:
                nodes = scope.nodes
                for i, ref in enumerate(refs):
                    # The common case first: a layer of the same scope, no alias in between
                    # (what _resolve finds first too).
                    layer, node, tensor, _ = ref
                    src = None
                    if not alias or (scope.id, layer, node, tensor) not in alias:
                        src = nodes.get((layer, node))
                    if src is not None:
                        append((src, node_id, i, tensor))
                    else:
                        src, tensor = self._resolve(scope, ref, name)
                        append((src, node_id, i, tensor))
        except ModelFileError as exc:
            unresolved = exc
        try:
            self.graph.connect_many(edges)
        except GraphError as exc:
            name, i, ref = self._edge_source(exc.edge_index)
            raise self.fail(f"layer {name!r}: cannot take input {i + 1} from "
                            f"{ref.layer!r}: {exc}") from None
        if unresolved is not None:
            raise unresolved

    def _edge_source(self, k: int) -> tuple[str, int, TensorRef]:
        """(layer name, input index, tensor) of edge ``k`` of :meth:`_connect`: the ``k``-th
        input tensor of the pending layers, in order."""
        for _, _, refs, name, _ in self.pending:
            if k < len(refs):
                return name, k, refs[k]
            k -= len(refs)
        raise IndexError(k)

    def _resolve(self, scope: _Scope, ref: TensorRef, name: str) -> tuple[str, int]:
        """The node that produces ``ref`` for layer ``name`` in ``scope``, and which of its
        output tensors it is."""
        where = f"layer {name!r}"
        for _ in range(MAX_ALIAS_STEPS):
            target = self.alias.get((scope.id, ref.layer, ref.node, ref.tensor))
            if target is None:
                node = scope.nodes.get((ref.layer, ref.node))
                if node is not None:
                    return node, ref.tensor
                n = scope.calls.get(ref.layer)
                if n is None:
                    raise self.fail(f"{where} takes input from {ref.layer!r}, which is not a "
                                    "layer of the model (dangling inbound reference)")
                base = self.bases.get((scope.id, ref.layer))
                times = f"called {n} time{'s' if n != 1 else ''}"
                if base is not None and not base <= ref.node < base + n:
                    raise self.fail(f"{where} uses node {ref.node} of nested model "
                                    f"{ref.layer!r}, which is {times} (nodes {base} to "
                                    f"{base + n - 1}; Keras counts the model's own node first"
                                    f"{'' if base else ', but this file does not'})")
                if base is None and ref.node >= n:
                    raise self.fail(f"{where} uses call {ref.node} of {ref.layer!r}, which is "
                                    f"{times}")
                what = "nested model" if base is not None else "layer"
                raise self.fail(f"{where} takes output {ref.tensor} of {what} {ref.layer!r}, "
                                "which does not have it")
            scope, ref, where = target
        raise self.fail(f"layer {name!r}: nested model inputs and outputs refer to each other "
                        "in a loop")

    def _record_group_outputs(self) -> None:
        """Keep each top-level nested model's declared outputs (its ``output_layers``, per
        call, as ``[member id, output index]``) in ``graph.groups[name]["outputs"]``
        (see ``core.group_outputs``). A model with an output that resolves to no layer of
        its own (an input passed straight through) keeps none: its outputs are inferred."""
        declared: dict[str, list[list[list[Any]]] | None] = {}
        node = self.graph.nx_graph._node
        for group, sub, outputs in self.group_calls:
            calls = declared.setdefault(group, [])
            if calls is None:
                continue
            try:
                refs = [list(self._resolve(sub, ref, group)) for ref in outputs]
            except ModelFileError:
                refs = []
            if not refs or any(node[n].get("group") != group for n, _ in refs):
                declared[group] = None
                continue
            calls.append(refs)
        for group, calls in declared.items():
            if calls:
                self.graph.groups[group]["outputs"] = calls

    def _record_model_inputs(self, top: _Scope, cfg: dict[str, Any]) -> None:
        """Keep the top model's declared inputs (``input_layers``, flattened as Keras does:
        a dict of named inputs by sorted key) in ``graph.declared_inputs`` as InputLayer
        ids (see ``core.model_outputs.model_inputs``). An entry that names no InputLayer of
        the model is not kept (the inputs then follow the graph's order)."""
        ids = []
        node = self.graph.nx_graph._node
        for name, _, _ in self._io_list(cfg.get("input_layers"), cfg.get("name"), "input_layers"):
            n = top.nodes.get((name, 0))
            if n is None or node[n]["type"] != "InputLayer":
                return
            ids.append(n)
        self.graph.declared_inputs = ids

    def _record_model_outputs(self, top: _Scope, outputs: list[TensorRef]) -> None:
        """Keep the top model's declared outputs (``output_layers``) in
        ``graph.declared_outputs`` as ``(layer id, output index)`` (see
        ``core.model_outputs``). Outputs that name no layer, or loop between nested models,
        are not kept: the outputs are then inferred from the connections."""
        try:
            self.graph.declared_outputs = [self._resolve(top, ref, "the model's outputs")
                                           for ref in outputs]
        except ModelFileError:
            pass

    def _record_opaque_shapes(self) -> None:
        """Give each opaque layer the output shape the file records for it: the shape of
        the tensor its consumers received (batch axis first), else a Keras 2 Lambda's
        ``output_shape`` argument (no batch axis)."""
        if not self.opaque:
            return
        sources = {p[0]: (p[4], p[2]) for p in self.pending}
        for node_id, cfg in self.opaque:
            recorded = None
            for consumer, index in self.graph.outputs(node_id):
                recorded = self._recorded_input_shape(consumer, index, sources)
                if recorded is not None:
                    break
            shape: list[Any] | None = None
            if _is_shape(recorded):
                shape = [None] + list(recorded[1:])
            elif _is_shape(cfg.get("output_shape")):
                shape = [None] + list(cfg["output_shape"])
            if shape is not None:
                self.graph.set_config(node_id, "output_shape", shape)
            elif "output_shape" in self.graph.raw(node_id)["config"]:
                # A Keras 2 Lambda may store a serialised function here: never kept.
                self.graph.unset_config(node_id, "output_shape")

    # ------------------------------------------------------------------ helpers
    def _new_scope(self, group: str | None, frozen: bool, owner: _Scope | None,
                   suffix: str) -> _Scope:
        self.scopes += 1
        return _Scope(self.scopes, group, frozen, owner, suffix)

    def _model_config(self, obj: dict[str, Any], what: str) -> dict[str, Any]:
        """A model's config object; a Keras ≤ 2.2 Sequential's layer list is read as
        ``{"name", "layers"}``."""
        listed = sequential_layers(obj)
        return listed if listed is not None else self._config_of(obj, what)

    def _config_of(self, obj: dict[str, Any], what: str) -> dict[str, Any]:
        cfg = obj.get("config")
        if not isinstance(cfg, dict):
            raise self.fail(f"{what}: 'config' must be an object, got {type(cfg).__name__}")
        return cfg

    def _name_of(self, layer: dict[str, Any], index: int) -> str:
        name = _layer_name(layer)
        if name is None and sequential_layers(layer) is not None:
            name = f"sequential_{index + 1}"  # Keras ≤ 2.2 wrote no name for a list config
        if name is None:
            raise self.fail(f"layer {index} ({elide_value(layer.get('class_name'))}) has no name")
        if len(name) > MAX_NAME:
            raise self.fail(f"layer {index}: {name_too_long(name)}")
        return name

    def _io_list(self, value: Any, model: Any, key: str) -> list[tuple[str, int, int]]:
        """A model's ``input_layers`` / ``output_layers`` as flat tensor references, in
        Keras's order (see :func:`tensor_leaves`): Keras 3 writes a single one without the
        outer list, named ones as an object, nested outputs as nested lists."""
        if value is None:
            return []
        if not isinstance(value, (list, dict)):
            raise self.fail(f"model {model!r}: {key} must be a list, got {type(value).__name__}")
        where = f"model {model!r}, {key}"
        return [history(v, where, self.path) for v in tensor_leaves(value, where, self.path)]


def parse_inbound_nodes(nodes: Any, layer_name: str, path: str | Path) -> list[Call]:
    """Parse a layer's ``inbound_nodes`` (either format, even mixed) into calls.

    Raises:
        ModelFileError: ``inbound_nodes`` or one of its entries has the wrong structure.
    """
    if nodes is None:
        return []
    if type(nodes) is list and len(nodes) == 1 and type(nodes[0]) is dict:
        call = keras3_config.plain_call(nodes[0])  # the common case: one plain call
        if call is not None:
            return [call]
    if not isinstance(nodes, list):
        raise ModelFileError(path, f"layer {layer_name!r}: inbound_nodes must be a list, got "
                                   f"{type(nodes).__name__}")
    calls = []
    for k, node in enumerate(nodes):
        if type(node) is dict:
            call = keras3_config.plain_call(node)
        elif type(node) is list:
            call = keras2_config.plain_call(node)
        else:
            call = None
        if call is not None:
            calls.append(call)
            continue
        where = f"layer {layer_name!r}, call {k}"
        if isinstance(node, dict):
            calls.append(keras3_config.parse_call(node, where, path))
        elif isinstance(node, list):
            calls.append(keras2_config.parse_call(node, where, path))
        else:
            raise ModelFileError(path, f"{where}: an inbound node must be an object or a list, "
                                       f"got {type(node).__name__}")
    return calls


def _used(entries: list[tuple[dict[str, Any], str, list[Call]]], out_refs: list[TensorRef]
          ) -> dict[str, set[int]]:
    """Layer name -> the node indices other layers (and the model's outputs) refer to."""
    used: dict[str, set[int]] = {}
    for ref in out_refs:
        used.setdefault(ref.layer, set()).add(ref.node)
    for _, _, calls in entries:
        for call in calls:
            for ref in call.inputs:
                used.setdefault(ref.layer, set()).add(ref.node)
    return used


def _first_call_index(layer: dict[str, Any], n_calls: int, used: set[int]) -> int:
    """The node index by which the enclosing model refers to the first call of the nested
    model ``layer``: 1 when Keras gave the model a node of its own first, else 0.

    Keras 2 and 3 (``get_config`` of ``functional.py``: "Functional models start with a
    pre-existing node linking their input to output", ``kept_nodes = 1``) number the calls
    of a nested Functional model from 1; so does tf.keras for a nested Sequential built on
    an InputLayer (``_should_skip_first_node``) and Keras ≤ 2.2 for any nested model.
    Keras 3's Sequential is not Functional: its calls count from 0. The indices the file
    uses settle a file written otherwise: a 0 means the calls count from 0, an index equal
    to the number of calls means they count from 1.
    """
    nodes = layer.get("inbound_nodes")
    keras3 = isinstance(nodes, list) and bool(nodes) and isinstance(nodes[0], dict)
    base = 0 if keras3 and layer.get("class_name") == "Sequential" else 1
    if base == 1 and 0 in used:
        return 0
    if base == 0 and n_calls in used:
        return 1
    return base


def _op_type(cls: str, n_tensors: int) -> str:
    """The graph type of a Keras 3 operation: ``x + y`` is the catalogue's ``Add``; an
    operation the catalogue lists (``NotEqual``) keeps its name; anything else, and
    ``x + 1`` / ``x * 2.0`` (one tensor: no merge layer fits), is the opaque
    ``ops.<class>``, whose output shape comes from the file."""
    if cls in OP_LAYERS and n_tensors >= 2:
        return cls
    spec = get_spec(cls)
    if cls not in OP_LAYERS and spec is not None and spec.category == "Operations":
        return cls
    return f"ops.{cls}"


def _layer_name(layer: Any) -> str | None:
    if not isinstance(layer, dict):
        return None
    name = layer.get("name")
    if not isinstance(name, str) or not name:
        cfg = layer.get("config")
        name = cfg.get("name") if isinstance(cfg, dict) else None
    return name if isinstance(name, str) and name else None


def _is_model(layer: dict[str, Any]) -> bool:
    cls = layer.get("class_name")
    return (isinstance(cls, str) and cls in MODEL_CLASSES) or (
        isinstance(layer.get("config"), dict) and isinstance(layer["config"].get("layers"), list))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_shape(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value)


def _build_shape(layer: dict[str, Any], allow_nested: bool = False) -> Any:
    build = layer.get("build_config")
    shape = build.get("input_shape") if isinstance(build, dict) else None
    if _is_shape(shape) or (allow_nested and isinstance(shape, list)):
        return shape
    return None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _type_ok(kind: FieldKind, value: Any) -> bool:
    """Whether ``value``'s JSON type can be right for a field of ``kind`` (ranges and
    choices are the spec's business). Lenient on purpose: Keras writes padding as pairs
    and some axes as an int or a list, which the catalogue's fields accept."""
    if kind is FieldKind.INT:
        return _is_int(value) or (isinstance(value, float) and value.is_integer())
    if kind is FieldKind.FLOAT:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is FieldKind.BOOL:
        return isinstance(value, bool)
    if kind is FieldKind.STR:
        return isinstance(value, str)
    if kind in (FieldKind.INTS, FieldKind.SHAPE):
        return _ints_leaves(value)
    return not isinstance(value, dict)


def _ints_leaves(value: Any, depth: int = 0) -> bool:
    if _is_int(value) or value is None:
        return True
    if isinstance(value, (list, tuple)) and depth < 3:
        return all(_ints_leaves(v, depth + 1) for v in value)
    return False


# JSON value types that _type_ok accepts for a field kind whatever the value.
_SURELY_OK: dict[FieldKind, tuple[type, ...]] = {
    FieldKind.INT: (int,), FieldKind.FLOAT: (float, int), FieldKind.BOOL: (bool,),
    FieldKind.STR: (str,), FieldKind.CHOICE: (str, int, float, bool, list),
    FieldKind.INTS: (int,), FieldKind.SHAPE: (int,),
}
_INT_LISTS = (FieldKind.INTS, FieldKind.SHAPE)

_KIND_TEXT = {
    FieldKind.INT: "a whole number", FieldKind.FLOAT: "a number",
    FieldKind.BOOL: "true or false", FieldKind.STR: "a string",
    FieldKind.CHOICE: "one of the allowed values", FieldKind.INTS: "a whole number or a list "
    "of whole numbers", FieldKind.SHAPE: "whole numbers",
}


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."

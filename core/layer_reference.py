"""The layer reference: one Markdown page per catalogue layer, generated at run time from the
:class:`core.spec.LayerSpec` itself, so the pages cannot drift from what ParamLab computes.

Each page gives what the layer does (the spec's doc), every argument with its default and
range, the parameter formula with a worked example (the layer's default arguments on a
sample input, through the same ``weights`` and ``output_shape`` rules propagation uses), the
output-shape steps (:mod:`core.shape_formula`), why it has 0 parameters when it does, and the
PyTorch module where one exists.
"""
from __future__ import annotations

from paramlab.core.catalogue import get_spec, specs_by_category
from paramlab.core.errors import LayerError
from paramlab.core.fields import FieldKind, FieldSpec
from paramlab.core.formula import weight_formula
from paramlab.core.shape_formula import shape_steps
from paramlab.core.spec import LayerSpec
from paramlab.core.types import format_shape

SAMPLE_INPUTS = ((None, 32, 32, 3), (None, 10, 8), (None, 16), (None, 8, 16, 16, 3), (None, 10),
                 (None, 10, 64), (None, 32, 32, 64), (None, 256, 256, 3),
                 (None, 5, 8, 16, 16, 3))


def _range(f: FieldSpec) -> str:
    if f.kind is FieldKind.CHOICE:
        return "one of " + ", ".join(f"`{c}`" for c in f.choices)
    if f.kind is FieldKind.BOOL:
        return "true or false"
    low = "" if f.minimum is None else f"{f.minimum:g}"
    high = "" if f.maximum is None else f"{f.maximum:g}"
    each = " each" if f.kind in (FieldKind.INTS, FieldKind.SHAPE) else ""
    if low and high:
        text = f"{low} to {high}{each}"
    elif low:
        text = f"{low} or more{each}"
    elif high:
        text = f"up to {high}{each}"
    else:
        text = "any"
    return text + (", or empty (None)" if f.optional else "")


def worked_example(spec: LayerSpec) -> tuple[tuple, object, tuple, tuple[str, ...]] | None:
    """(input shape, output shape, weights, shape steps) for the default arguments on the
    first sample input the layer accepts (a merge or attention layer gets as many copies of
    it as it needs), or ``None`` when none is accepted."""
    config = spec.resolve_config({})
    copies = max(spec.inputs.minimum, 1 if spec.inputs.maximum != 0 else 0)
    for x in SAMPLE_INPUTS:
        inputs = (x,) * copies
        try:
            out = spec.output_shape(inputs, config)
            weights = spec.weights(inputs, config)
        except (LayerError, ValueError, TypeError, KeyError, IndexError):
            continue
        return x, out, weights, shape_steps(spec.type, inputs, config, out)
    return None


def layer_page(type_name: str) -> str | None:
    """The Markdown page of ``type_name``, or ``None`` if the catalogue lacks it."""
    spec = get_spec(type_name)
    if spec is None:
        return None
    lines = [f"# {spec.type}", f"*{spec.category}* · {spec.inputs.describe()}", "",
             spec.doc or "", "", "## Arguments", "", "| argument | default | range | meaning |",
             "|---|---|---|---|"]
    for f in spec.fields:
        default = "None" if f.default is None else f"`{f.default!r}`"
        lines.append(f"| `{f.name}` | {default} | {_range(f)} | {f.doc} |")
    if not spec.fields:
        lines.append("| — | | | no arguments |")
    example = worked_example(spec)
    lines += ["", "## Parameters"]
    if example is not None:
        x, out, weights, steps = example
        if weights:
            lines += ["", f"Worked example with the default arguments on "
                          f"`{format_shape(x)}`:", "",
                      "    " + weight_formula(weights), "",
                      "Weights: " + ", ".join(f"`{w.name}` {w.shape}"
                                              + ("" if w.trainable else " (non-trainable)")
                                              for w in weights)]
        else:
            lines += ["", "**0 parameters.** This layer has no weights: what it computes is fixed "
                          "by its arguments, so there is nothing for training to learn."]
        n_in = max(spec.inputs.minimum, 1 if spec.inputs.maximum != 0 else 0)
        given = "no input" if n_in == 0 else (f"input `{format_shape(x)}`" if n_in == 1 else
                                               f"{n_in} inputs `{format_shape(x)}`")
        lines += ["", "## Output shape", "", f"{given[0].upper()}{given[1:]} → output "
                  f"`{format_shape(out)}`"]
        if steps:
            lines += [""] + [f"- {s}" for s in steps]
    else:
        lines += ["", "See the description above (its default arguments need an input this "
                      "page does not try)."]
    lines += ["", "## PyTorch", "", _pytorch(spec, example[0] if example else None)]
    return "\n".join(lines) + "\n"


def _pytorch(spec: LayerSpec, x: tuple | None) -> str:
    """The layer's PyTorch equivalent, from its ``torch`` rule (the one the PyTorch
    convention counts with) on the worked example's input."""
    if spec.torch is None or spec.inputs.minimum == 0:
        return "No module: the model's input is the argument of forward()."
    copies = max(spec.inputs.minimum, 1)  # the worked example's inputs
    inputs = (x,) * copies if x is not None else ((None, 10, 8),) * copies
    try:
        m = spec.torch(inputs, spec.resolve_config({}))
    except LayerError as exc:
        return f"No PyTorch equivalent here: {exc}"
    if m.unsupported:
        if m.unsupported.startswith("no exact"):
            return f"No exact{m.unsupported[8:]}."
        return f"No PyTorch equivalent: {m.unsupported}."
    if not m.modules:
        return f"No torch.nn module: {m.note or 'a tensor operation in forward()'}."
    params = ", ".join(f"`{t.name}` {t.shape}" for t in m.parameters) or "none"
    text = (f"`torch.{m.expr()}` on input{'s' if len(inputs) > 1 else ''} "
            f"{', '.join(f'`{format_shape(i)}`' for i in inputs)}. Parameters: {params} = "
            f"{sum(t.size for t in m.parameters):,}")
    if m.buffers:
        text += (". Buffers (not parameters): "
                 + ", ".join(f"`{t.name}` {t.shape}" for t in m.buffers)
                 + f" = {sum(t.size for t in m.buffers):,}")
    return text + (f". {m.note[0].upper()}{m.note[1:]}." if m.note else ".")


def all_layer_types() -> list[str]:
    """Every catalogue layer type, by category then name."""
    return [s.type for specs in specs_by_category().values() for s in specs]


def search(text: str) -> list[str]:
    """Layer types whose name, category or description contains ``text`` (case-insensitive)."""
    t = text.strip().lower()
    out = []
    for name in all_layer_types():
        spec = get_spec(name)
        if not t or t in name.lower() or t in spec.category.lower() or t in spec.doc.lower():
            out.append(name)
    return out

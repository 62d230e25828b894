"""The teaching formula is derived from the same weights the counts are summed over."""
import pytest

from paramlab.core.catalogue import get_spec
from paramlab.core.formula import weight_formula

CASES = [
    # type, config, input shape, expected formula (total from Keras's reference figures)
    ("Conv2D", {"filters": 8, "kernel_size": 5}, (None, 32, 32, 3), "(5·5·3 + 1)·8 = 608"),
    ("Dense", {"units": 120}, (None, 400), "(400 + 1)·120 = 48,120"),
    ("Dense", {"units": 10, "use_bias": False}, (None, 4), "4·10 = 40"),
    ("LSTM", {"units": 24}, (None, 12, 16), "(16 + 24 + 1)·96 = 3,936"),
    ("BatchNormalization", {}, (None, 64), "4·64 = 256"),
    ("MaxPooling2D", {}, (None, 28, 28, 8), "0 (no weights)"),
    ("Bidirectional", {"layer": {"class_name": "LSTM", "config": {"units": 8}}},
     (None, 12, 12), "2·((12 + 8 + 1)·32) = 1,344"),
]


@pytest.mark.parametrize("type_name, config, shape, expected", CASES,
                         ids=[c[0] + str(i) for i, c in enumerate(CASES)])
def test_formula_reads_as_taught_and_ends_in_the_count(type_name, config, shape, expected):
    spec = get_spec(type_name)
    weights = spec.weights((shape,), spec.resolve_config(config))
    text = weight_formula(weights)
    assert text == expected
    if weights:
        assert text.endswith(f"= {sum(w.size for w in weights):,}")

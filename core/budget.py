"""Training memory budget: an estimate of the memory one training step needs.

A planning convention, not a measurement (cost_conventions.md section 5). With P parameters
(P_t of them trainable), A activation elements and I input elements per sample (batch 1, from
:class:`core.summary.Summary`), batch size B, ``s`` optimizer state tensors per trainable
parameter and the byte sizes of the chosen precision:

=================  ==========================================
weights            P · weight bytes (all weights, frozen ones too)
gradients          P_t · gradient bytes
optimizer state    P_t · s · state bytes   (SGD s = 0, SGD with momentum 1, Adam 2)
activations        (A + I) · B · activation bytes
=================  ==========================================

Precisions: ``float32`` (4 bytes everywhere), ``float16`` and ``bfloat16`` (2 bytes
everywhere), ``mixed`` (Keras's ``mixed_float16``/``mixed_bfloat16`` policies: float32
weights, gradients and optimizer state, 2-byte activations). At Adam, float32, batch 1 the
total is the conventions' ``training_bytes`` = 4P + 4P_t + 8P_t + 4(A + I).

Real frameworks keep more (pre-activation outputs, normalisation intermediates, dropout
masks, workspace) or less (fused or recomputed activations): label the figure an estimate.
Memory sizes use binary units, as Keras's summary does: 1 GB = 1024³ bytes.
"""
from __future__ import annotations

from dataclasses import dataclass

OPTIMIZERS: dict[str, tuple[str, int]] = {  # key -> (label, state tensors per parameter)
    "sgd": ("SGD", 0),
    "momentum": ("SGD with momentum", 1),
    "adam": ("Adam", 2),
}
# key -> (label, weight, gradient, optimizer state, activation bytes)
DTYPES: dict[str, tuple[str, int, int, int, int]] = {
    "float32": ("float32", 4, 4, 4, 4),
    "float16": ("float16", 2, 2, 2, 2),
    "bfloat16": ("bfloat16", 2, 2, 2, 2),
    "mixed": ("mixed precision (float32 weights, half activations)", 4, 4, 4, 2),
}
GB = 1024 ** 3


@dataclass(frozen=True)
class MemoryBudget:
    """Bytes of one training step, by part (see the module doc for the rules).

    Attributes:
        weights, gradients, optimizer, activations: Bytes of each part.
        batch_size: The batch size the activations are for.
        per_sample: Activation bytes of one sample (activations = per_sample · batch_size).
    """

    weights: int
    gradients: int
    optimizer: int
    activations: int
    batch_size: int
    per_sample: int

    @property
    def fixed(self) -> int:
        """Bytes that do not grow with the batch: weights, gradients, optimizer state."""
        return self.weights + self.gradients + self.optimizer

    @property
    def total(self) -> int:
        return self.fixed + self.activations

    def max_batch_size(self, capacity: int) -> int:
        """The largest batch whose total fits in ``capacity`` bytes (0: not even one sample;
        -1: any batch fits, the model has no activations)."""
        room = capacity - self.fixed
        if room < 0:
            return 0
        if self.per_sample == 0:
            return -1
        return room // self.per_sample


def training_budget(params: int, trainable: int, activation_elements: int,
                    input_elements: int, batch_size: int = 1, optimizer: str = "adam",
                    dtype: str = "float32") -> MemoryBudget:
    """The training memory estimate of a model.

    Args:
        params: All parameters (trainable and not).
        trainable: Trainable parameters.
        activation_elements: Output elements of every non-input layer, one sample.
        input_elements: Elements of the model's inputs, one sample.
        batch_size: Samples per step (>= 1).
        optimizer: A key of :data:`OPTIMIZERS`.
        dtype: A key of :data:`DTYPES`.

    Raises:
        ValueError: an unknown optimizer or dtype, or a batch size below 1.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of "
                         f"{', '.join(OPTIMIZERS)}")
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
    if batch_size < 1:
        raise ValueError(f"the batch size must be 1 or more, got {batch_size}")
    states = OPTIMIZERS[optimizer][1]
    _, w, g, s, a = DTYPES[dtype]
    per_sample = (activation_elements + input_elements) * a
    return MemoryBudget(params * w, trainable * g, trainable * states * s,
                        per_sample * batch_size, batch_size, per_sample)

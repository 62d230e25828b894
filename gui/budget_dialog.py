"""Model ▸ Memory Budget…: how much memory training the model needs, and the largest batch
that fits a given memory size. An estimate, under the rules of ``core.budget``.

The dialog reads the model's summary (parameters, activations) and recomputes as the model
or the choices change; it changes nothing in the model.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from paramlab.core.budget import DTYPES, GB, OPTIMIZERS, MemoryBudget, training_budget
from paramlab.core.summary import Summary, format_bytes

RULES = (
    "<b>An estimate, not a measurement.</b> weights = parameters × weight bytes (frozen ones "
    "too); gradients = trainable × gradient bytes; optimizer state = trainable × (0 for SGD, "
    "1 with momentum, 2 for Adam) × state bytes; activations = (every layer's output + the "
    "input) × batch × activation bytes. float32: 4 bytes; float16 / bfloat16: 2; mixed "
    "precision: float32 weights, gradients and state, 2-byte activations. Frameworks keep "
    "more (pre-activation outputs, normalisation buffers, workspace) or less (fused or "
    "recomputed activations). 1 GB = 1024³ bytes.")


def verdict(budget: MemoryBudget, capacity_gb: float) -> str:
    """``"Fits in 8 GB at batch 64; maximum batch ≈ 210."`` or why it does not."""
    capacity = int(capacity_gb * GB)
    size = f"{capacity_gb:g} GB"
    best = budget.max_batch_size(capacity)
    limit = ("any batch fits (no activations)" if best < 0 else
             "not even batch 1 fits" if best == 0 else f"maximum batch ≈ {best:,}")
    if budget.total <= capacity:
        return f"Fits in {size} at batch {budget.batch_size:,}; {limit}."
    return (f"Does not fit in {size} at batch {budget.batch_size:,} (needs "
            f"{format_bytes(budget.total)}); {limit}.")


class MemoryBudgetDialog(QDialog):
    """Batch size, optimizer, precision and memory size in; breakdown and verdict out."""

    def __init__(self, summary_source: Callable[[], Summary], parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Memory Budget")
        self._summary_source = summary_source
        self.batch = QSpinBox()
        self.batch.setRange(1, 1_000_000)
        self.batch.setValue(1)
        self.optimizer = QComboBox()
        for key, (label, states) in OPTIMIZERS.items():
            self.optimizer.addItem(f"{label} ({states} state tensor{'s' if states != 1 else ''}"
                                   " per trainable parameter)", key)
        self.optimizer.setCurrentIndex(self.optimizer.findData("adam"))
        self.dtype = QComboBox()
        for key, (label, *_sizes) in DTYPES.items():
            self.dtype.addItem(label, key)
        self.capacity = QDoubleSpinBox()
        self.capacity.setRange(0.1, 4096.0)
        self.capacity.setDecimals(1)
        self.capacity.setSuffix(" GB")
        self.capacity.setValue(8.0)
        form = QFormLayout()
        form.addRow("Batch size", self.batch)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Precision", self.dtype)
        form.addRow("Memory available", self.capacity)
        self.breakdown = QLabel()
        self.breakdown.setTextFormat(Qt.TextFormat.RichText)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        rules = QLabel(RULES)
        rules.setWordWrap(True)
        rules.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.breakdown)
        layout.addWidget(self.verdict)
        layout.addWidget(rules)
        layout.addWidget(buttons)
        for signal in (self.batch.valueChanged, self.optimizer.currentIndexChanged,
                       self.dtype.currentIndexChanged, self.capacity.valueChanged):
            signal.connect(self.refresh)
        # Never shorter than its contents: the wrapped rules and the breakdown stay whole.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.setMinimumWidth(560)
        self.budget: MemoryBudget | None = None
        self.refresh()
        self.adjustSize()

    def refresh(self) -> None:
        """Recompute from the current model and choices."""
        s = self._summary_source()
        self.budget = b = training_budget(
            s.total, s.trainable, s.activation_elements, s.input_elements, self.batch.value(),
            self.optimizer.currentData(), self.dtype.currentData())
        rows = (("Weights", b.weights), ("Gradients", b.gradients),
                ("Optimizer state", b.optimizer), ("Activations and input", b.activations),
                ("<b>Total (estimate)</b>", b.total))
        self.breakdown.setText(
            "<table cellspacing=4>" + "".join(
                f"<tr><td>{label}</td><td align=right>{format_bytes(n)}</td>"
                f"<td align=right style='color:gray'>{n:,} bytes</td></tr>" for label, n in rows)
            + "</table>")
        text = verdict(b, self.capacity.value())
        if s.unknown_cost_rows:
            text += (f" {s.unknown_cost_rows} layer(s) of unknown size are left out of the "
                     "activations.")
        self.verdict.setText(text)

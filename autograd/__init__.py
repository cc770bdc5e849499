"""tracegrad's engine: scalar Values that record their parents and local derivatives.

Standard library only; imports neither `nn` nor `viz`.

The import name `autograd` is also used by other packages (HIPS autograd above
all) and pip lets one overwrite the other. `__tracegrad__` below is the marker
our tests check, so a shadowed install fails loudly instead of misbehaving.
"""

from autograd.anomaly import AnomalyError, detect_anomaly
from autograd.differentiate import grad
from autograd.finite_differences import GradcheckError, GradcheckReport, LocalCheckReport, check_local, gradcheck
from autograd.gc_tuning import tuned_gc
from autograd.graph import topological_order
from autograd.jit import CompiledFunction, jit
from autograd.mode import no_grad
from autograd.value import (
    DivisionByZeroError,
    DomainError,
    Value,
    atan2,
    define_op,
    maximum,
    minimum,
    total,
    weighted_sum,
)

__tracegrad__ = "autograd"

__all__ = [
    "AnomalyError",
    "CompiledFunction",
    "DivisionByZeroError",
    "DomainError",
    "GradcheckError",
    "GradcheckReport",
    "LocalCheckReport",
    "Value",
    "atan2",
    "check_local",
    "define_op",
    "detect_anomaly",
    "grad",
    "gradcheck",
    "jit",
    "maximum",
    "minimum",
    "no_grad",
    "topological_order",
    "total",
    "tuned_gc",
    "weighted_sum",
]

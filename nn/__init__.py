"""tracegrad's models: neurons, layers and MLPs built from `autograd` Values.

Standard library and `autograd` only; never imports `viz`.
"""

__tracegrad__ = "nn"

"""tracegrad's drawings: graphs with every value, gradient and local derivative.

Imports `autograd` and `nn`; the CLI sits on top of it.
"""

__tracegrad__ = "viz"

"""The proofs: every backward pass against central differences, in float64.

1. ``checker.py``: the finite-difference checker (``check_module``, ``check_loss``, ``check_penalty``,
   the second-order checks) and the relative error it reports;
2. ``suite.py``: the table of every layer, loss, penalty and second-order product, in training and
   eval mode, that ``minigan gradcheck`` prints.
"""
from .checker import (THRESHOLD, CheckResult, check_hessian_vector_product, check_loss, check_module, check_penalty,
                      check_unrolled, numerical_gradient, rel_error)

__all__ = ["THRESHOLD", "CheckResult", "check_hessian_vector_product", "check_loss", "check_module", "check_penalty",
           "check_unrolled", "numerical_gradient", "rel_error"]

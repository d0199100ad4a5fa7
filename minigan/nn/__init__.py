"""Layers. Every one has forward/backward/predict/parameters/zero_grad/train/eval (see module.py)."""
from .activations import LeakyReLU, ReLU, Sigmoid, Tanh
from .dense import Dense
from .dropout import Dropout
from .module import Module, Parameter, inference
from .reshape import Flatten, Reshape
from .sequential import Sequential

__all__ = ["Module", "Parameter", "inference", "Dense", "ReLU", "LeakyReLU", "Sigmoid", "Tanh",
           "Dropout", "Flatten", "Reshape", "Sequential"]

"""netcanvas: design neural networks on a canvas, train them with PyTorch, take them away."""

__version__ = "0.1.0"

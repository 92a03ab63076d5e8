"""exgen: randomized backpropagation exercises, solved exactly, rendered, exported and graded."""

__version__ = "0.1.0"

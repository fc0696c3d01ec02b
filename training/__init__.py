"""Training pipeline for the bundled character model (``python -m training all``).

TensorFlow is only needed here (the ``[train]`` extra); the app never imports it.
"""

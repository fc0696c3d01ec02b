"""The Qt (PySide6) layer: the only place in the package that imports Qt widgets.

Everything here is a thin view over the Qt-free core (imaging, vision, recognition,
shops); the core never imports from this package.
"""

"""The Textual app: widgets, the stats panel, screens and keys, the app itself.

Imports core and views; training only lazily, in the worker that starts the engine.
"""

"""The maths of a run and the thread that runs it: autograd Functions, optimizers, the trainer, the engine.

Imports torch and core; never Textual, rich or plotext.
"""

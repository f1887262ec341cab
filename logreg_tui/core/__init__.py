"""The vocabulary: options, data, histories, snapshots, the minimum, runs and events, export, lessons.

Imports numpy and the standard library only: no torch, no Textual, rich or plotext.
"""

"""What every layer shares, in four rooms: model/ (the vocabulary: settings, data, θ, histories, snapshots),
maths/ (the objective, its minimum and curvature, evaluation), files/ (CSV, export, replay, script) and words/
(lessons, presets, formatting).

Imports numpy and the standard library only: no torch, no Textual, rich or plotext.
"""

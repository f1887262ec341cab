"""What the plots draw: each view (snapshot → a Drawing of plain data), its drawing (plotext or cell by cell), the
process that draws them.

Imports core, plotext and rich; never Textual, never training.
"""

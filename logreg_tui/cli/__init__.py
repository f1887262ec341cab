"""The ways in: the command line's main(), headless runs, --compare, --serve.

Imports anything below it; the app only lazily, when it is asked for.
"""

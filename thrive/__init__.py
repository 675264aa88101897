"""The composition root: settings, logging, the web server and the `thrive` CLI.

It is the only place that wires adapters, the core and storage together.
"""

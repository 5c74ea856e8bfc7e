"""The ``orgo-async`` command line: publish, build and watch templates, run the emulator or a demo.

Run it as ``orgo-async`` (the ``cli`` extra adds rich for the live console) or
``python -m orgo_async.cli``. :func:`orgo_async.cli.app.main` is the entry point.
"""

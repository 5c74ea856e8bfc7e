"""The ``orgo-async`` command line: publish, build and watch templates, run the emulator or a demo.

Run it as ``orgo-async`` (the ``cli`` extra adds click and rich) or
``python -m orgo_async.cli``. [`main`][orgo_async.cli.__main__.main] is the entry point;
every other module here is the command line's own implementation.
"""

"""pytest fixtures for testing code that talks to Orgo, against the embedded emulator."""

"""Every choice the emulator makes where the Orgo docs are silent, in one place.

``docs/emulator.md`` lists the same choices for people; keep the two in step.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Final

API_PREFIX: Final = "/api"
"""Path prefix of the API, like the real ``https://www.orgo.ai/api``."""
CONTROL_PREFIX: Final = "/_emulator"
"""Control routes (no auth, loopback only), below :data:`API_PREFIX`."""

# --- requests ----------------------------------------------------------------

MAX_BODY_BYTES: Final = 1_000_000
"""Largest accepted request body; bigger bodies get 413 (the field-observed ~1 MB limit)."""
MAX_DURATION_S: Final = 86_400.0
"""Longest ``build_time``, ``build_timeout`` and ``keepalive`` (one day)."""
MIN_KEEPALIVE_S: Final = 0.01
"""Shortest keep-alive interval: a shorter one would flood a stream with comments."""
MAX_LATENCY_MS: Final = 60_000
"""Longest added latency (one minute)."""
MAX_LOG_LINES: Final = 100_000
"""Most lines a build may be asked to log (each build's log is held in memory)."""
MAX_PENDING_FAULTS: Final = 1_000
"""Most scripted injections (and, apart, stream cuts) waiting at once."""
TRUE_WORDS: Final = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS: Final = frozenset({"false", "0", "no", "off", ""})
"""Spellings of boolean query parameters; anything else is a 400."""

# --- auth --------------------------------------------------------------------

MISSING_KEY_MESSAGE: Final = "Missing API key."
INVALID_KEY_MESSAGE: Final = "Invalid API key."
PLAN_MESSAGE: Final = "This feature needs the Scale plan or higher."

# --- registry ----------------------------------------------------------------

RESERVED_NAMESPACES: Final = frozenset({"system", "global"})
"""Namespaces nobody publishes into: ``system`` holds curated templates, and ``global``
would make ``/templates/global/{ns}/{name}`` ambiguous."""
CURATED_PUBLISHED: Final = datetime(2026, 6, 1, tzinfo=timezone.utc)
"""``published`` of the curated templates (they are prebuilt, so the date is fixed)."""
UNKNOWN_TEMPLATE_IS_404: Final = True
"""``GET /templates/{ns}/{name}`` for a name with no versions answers 404, not ``[]``."""

# --- documents -----------------------------------------------------------------

REFUSED_WARNINGS: Final = frozenset({"conflict"})
"""Warning codes of the shared validator that the emulator refuses (422), stricter than the
client: a sugar key and its canonical field that disagree. None occurs in the docs' examples."""
DOCUMENT_MEDIA_TYPES: Final = frozenset(
    {
        "application/yaml",
        "application/x-yaml",
        "text/yaml",
        "text/x-yaml",
        "application/json",
        "text/plain",
        "application/octet-stream",
    }
)
"""Content types a publish or validate body may declare (and any ``*/*+json``); others (a
form, multipart, XML, HTML) get 415. ``text/plain`` and ``application/octet-stream``, what
HTTP tools send for a string or bytes with no type given, and a body without a type are
read as YAML, which covers JSON."""
JSON_MEDIA_TYPES: Final = frozenset({"application/json"})
"""A body declared as JSON must be JSON, not YAML: 400 otherwise."""
WANTS_WRAPPED_MESSAGE: Final = "template required"
"""The 400 message of ``validate_wants_wrapped`` for a raw document (as seen in the field)."""

# --- builds ------------------------------------------------------------------

GOLDEN_DIR_PREFIX: Final = "/var/orgo/goldens/"
"""``golden_dir`` is this prefix followed by the digest."""
DEFAULT_BUILD_TIMEOUT_S: Final = 1800.0
"""A build still running after this long ends on phase ``timeout``."""
CAPACITY_RETRY_AFTER_MIN_S: Final = 1
"""Smallest ``Retry-After`` on a capacity 429; otherwise the earliest in-flight build's rest."""
CANCELLED_ERROR: Final = "cancelled"
TIMEOUT_ERROR: Final = "timeout"
INTERRUPTED_ERROR: Final = "interrupted"
"""``error`` of a build that was in flight when the emulator stopped."""
RESTARTED_ERROR: Final = "the emulator restarted during the build"
"""``error`` of a build that was in flight when the emulator died (``kill -9``), read
back from ``--state`` on the next start."""

# --- build events (SSE) ------------------------------------------------------

SSE_RETRY_MS: Final = 250
"""``retry:`` hint sent first on every stream: reconnect quickly, this is loopback."""
KEEPALIVE_S: Final = 15.0
"""A ``: keep-alive`` comment is sent after this long without a frame."""
SHUTDOWN_TIMEOUT_S: Final = 5.0
"""How long a stopping server waits for open responses before cutting them."""

# --- test runs ---------------------------------------------------------------

MAX_TEST_RUNS: Final = 5
"""Concurrent previews; one more gets 429."""
TEST_RUN_RETRY_AFTER_S: Final = 5
TEST_RUN_IDLE_S: Final = 1800.0
"""A preview not stopped after this long is reaped (checked lazily)."""
STOPPED_RUNS_REMEMBERED: Final = 1024
"""Stopped previews that still answer ``stopped: false``; older ids answer 404."""
DEFAULT_RESOLUTION: Final = "1280x720x24"

# --- faults ------------------------------------------------------------------

FAULT_RETRY_AFTER_S: Final = 1
"""``Retry-After`` on injected 429s and 503s unless the injection says otherwise."""
FAULT_5XX_STATUSES: Final = (500, 502, 503, 504)
"""Random 5xx faults pick one of these (seeded)."""

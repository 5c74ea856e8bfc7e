"""Template documents in the ``orgo.ai/v1`` format: load, validate, interpolate, digest.

Synchronous, and nothing here touches the network; only :func:`load_template` reads files.
Every document is held to the same bounds (size, nodes at full expansion, depth, 64-bit
integers), so a hostile one ends in a :class:`~orgo_async.TemplateSyntaxError` quickly. The
client, the fleet and the emulator run this work off the event loop unless the input is tiny.

```python
template = load_template("template.yaml")   # sugar expanded, validated, canonical
template.ref                                # TemplateRef default/<name>@<version>
template.to_dict()                          # what the API's validate and get return
template_digest(template)                   # the golden snapshot's key
```
"""

from orgo_async.documents.digest import template_digest
from orgo_async.documents.load import (
    TemplateSource,
    load_template,
    parse_document,
    validate_template,
)
from orgo_async.documents.schema import (
    Action,
    App,
    Autostart,
    Build,
    Dedup,
    EgressPolicy,
    EnvSecret,
    EnvValue,
    FileEntry,
    Hardware,
    Health,
    Hooks,
    Metadata,
    Port,
    SecretDecl,
    Service,
    Session,
    Source,
    Stream,
    Telemetry,
    Template,
    Trigger,
)
from orgo_async.documents.validate import ISSUE_CODES

__all__ = [
    "ISSUE_CODES",
    "Action",
    "App",
    "Autostart",
    "Build",
    "Dedup",
    "EgressPolicy",
    "EnvSecret",
    "EnvValue",
    "FileEntry",
    "Hardware",
    "Health",
    "Hooks",
    "Metadata",
    "Port",
    "SecretDecl",
    "Service",
    "Session",
    "Source",
    "Stream",
    "Telemetry",
    "Template",
    "TemplateSource",
    "Trigger",
    "load_template",
    "parse_document",
    "template_digest",
    "validate_template",
]

"""orgo_async: an asyncio-first SDK for the Orgo templates API.

```python
async with Orgo() as orgo:
    published = await orgo.templates.publish("template.yaml")
    await orgo.builds.start(published.ref)
    info = await orgo.builds.wait(published.ref)
```
"""

from orgo_async._client import Orgo
from orgo_async._retry import RetryPolicy
from orgo_async._timeout import Timeout
from orgo_async.documents import Template, load_template, template_digest, validate_template
from orgo_async.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BuildCancelledError,
    BuildError,
    BuildFailedError,
    BuildTimeoutError,
    ConfigurationError,
    ConflictError,
    EventDecodeError,
    EventTooLargeError,
    FellBehindError,
    InternalServerError,
    InvalidRefError,
    NotFoundError,
    OrgoError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
    TemplateError,
    TemplateSyntaxError,
    TemplateTooLargeError,
    TemplateValidationError,
    UnprocessableEntityError,
)
from orgo_async.fleet import BuildFleet, BuildHandle, BuildOutcome, FleetEvent, FleetReport
from orgo_async.models import (
    BuildEvent,
    BuildInfo,
    CancelResult,
    DeleteResult,
    PublishResult,
    StopRunResult,
    TemplateRun,
    TemplateVersion,
    ValidationIssue,
    ValidationResult,
)
from orgo_async.refs import TemplateRef

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BuildCancelledError",
    "BuildError",
    "BuildEvent",
    "BuildFailedError",
    "BuildFleet",
    "BuildHandle",
    "BuildInfo",
    "BuildOutcome",
    "BuildTimeoutError",
    "CancelResult",
    "ConfigurationError",
    "ConflictError",
    "DeleteResult",
    "EventDecodeError",
    "EventTooLargeError",
    "FellBehindError",
    "FleetEvent",
    "FleetReport",
    "InternalServerError",
    "InvalidRefError",
    "NotFoundError",
    "Orgo",
    "OrgoError",
    "PermissionDeniedError",
    "PublishResult",
    "RateLimitError",
    "RetryPolicy",
    "StopRunResult",
    "StreamError",
    "Template",
    "TemplateError",
    "TemplateRef",
    "TemplateRun",
    "TemplateSyntaxError",
    "TemplateTooLargeError",
    "TemplateValidationError",
    "TemplateVersion",
    "Timeout",
    "UnprocessableEntityError",
    "ValidationIssue",
    "ValidationResult",
    "__version__",
    "load_template",
    "template_digest",
    "validate_template",
]

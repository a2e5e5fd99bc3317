"""Knowledge entries for tests, written through the services."""

from knowledge import services
from knowledge.models import Kind


def published(actor, *, title: str, body: str, kind: str = Kind.ANSWER, **tags):
    return services.entry_create(actor=actor, publish=True, kind=kind, title=title, body=body, **tags)

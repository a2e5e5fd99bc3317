"""Work that must happen with every timeline event, in the same transaction, for code above issues.

The API keeps an outbox row per event for the systems it informs (webhooks): it registers a listener
here in its ``AppConfig.ready()``, so issues never imports it. A listener runs inside the service's
transaction; if it fails, the state change fails with it, so no change goes out unrecorded."""

from collections.abc import Callable

_listeners: list[Callable] = []


def event_listener_add(listener: Callable) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def event_written(event) -> None:
    for listener in _listeners:
        listener(event)

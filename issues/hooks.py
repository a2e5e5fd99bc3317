"""What an app above issues hands over in its AppConfig.ready(), so issues can offer and report it without
importing that app: work that must happen with every timeline event (the API's outbox of webhooks), the
moments a request is dispatched or answered (the knowledge base's suggestions and citations) and the
entries an answer may cite.

Listeners run inside the service's transaction; one that raises undoes the action, so no change goes out
unrecorded."""

from collections.abc import Callable

_event_listeners: list[Callable] = []
_dispatch_listeners: list[Callable] = []
_answer_listeners: list[Callable] = []
_citable_sources: list[Callable] = []


def _add(registry: list[Callable], fn: Callable) -> None:
    if fn not in registry:
        registry.append(fn)


def event_listener_add(fn: Callable) -> None:
    """``fn(event)`` after every timeline event is written."""
    _add(_event_listeners, fn)


def dispatch_listener_add(fn: Callable) -> None:
    """``fn(*, req, lead, actor)`` after the lead dispatch row is written."""
    _add(_dispatch_listeners, fn)


def answer_listener_add(fn: Callable) -> None:
    """``fn(*, req, event, actor, cited)`` after an answer event is written; ``cited`` is the chosen id or None."""
    _add(_answer_listeners, fn)


def citable_source_add(fn: Callable) -> None:
    """``fn(req) -> [(id, label), ...]``: what an answer to ``req`` may cite."""
    _add(_citable_sources, fn)


def event_written(event) -> None:
    for fn in _event_listeners:
        fn(event)


def dispatched(*, req, lead, actor) -> None:
    for fn in _dispatch_listeners:
        fn(req=req, lead=lead, actor=actor)


def answered(*, req, event, actor, cited) -> None:
    for fn in _answer_listeners:
        fn(req=req, event=event, actor=actor, cited=cited)


def citable_for(req) -> list[tuple[int, str]]:
    return [choice for fn in _citable_sources for choice in fn(req)]

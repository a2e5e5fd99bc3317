"""What an app above issues hands over in its AppConfig.ready(), so issues can offer and report it without
importing that app: entries an answer may cite, and the moments a request is dispatched or answered.
Listeners run inside the service's transaction; one that raises undoes the action."""

from collections.abc import Callable

_dispatch_listeners: list[Callable] = []
_answer_listeners: list[Callable] = []
_citable_sources: list[Callable] = []


def dispatch_listener_add(fn: Callable) -> None:
    """``fn(*, req, lead, actor)`` after the lead dispatch row is written."""
    if fn not in _dispatch_listeners:
        _dispatch_listeners.append(fn)


def answer_listener_add(fn: Callable) -> None:
    """``fn(*, req, event, actor, cited)`` after an answer event is written; ``cited`` is the chosen id or None."""
    if fn not in _answer_listeners:
        _answer_listeners.append(fn)


def citable_source_add(fn: Callable) -> None:
    """``fn(req) -> [(id, label), ...]``: what an answer to ``req`` may cite."""
    if fn not in _citable_sources:
        _citable_sources.append(fn)


def dispatched(*, req, lead, actor) -> None:
    for fn in _dispatch_listeners:
        fn(req=req, lead=lead, actor=actor)


def answered(*, req, event, actor, cited) -> None:
    for fn in _answer_listeners:
        fn(req=req, event=event, actor=actor, cited=cited)


def citable_for(req) -> list[tuple[int, str]]:
    return [choice for fn in _citable_sources for choice in fn(req)]

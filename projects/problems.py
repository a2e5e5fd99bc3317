"""How a problem raised in a progress report becomes a request.

Requests live in the issues app, which stands beside this one and may use it, never the other way
round. So issues hands over, when it starts (``IssuesConfig.ready``), the desk that files a problem as
a request: the categories to choose from and the function that files it in the caller's transaction.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class ProblemDesk:
    # [(category id, label)] of the categories a problem may be filed under
    categories: Callable[[], list[tuple[int, str]]]
    # file(actor=, project=, category_id=, title=, description=) -> the request; raises ValidationError
    file: Callable[..., object]


_desk: ProblemDesk | None = None


def problem_desk_set(desk: ProblemDesk) -> None:
    global _desk
    _desk = desk


def problem_desk() -> ProblemDesk:
    if _desk is None:
        raise ImproperlyConfigured("no problem desk: the issues app hands it over in its ready()")
    return _desk

from django import template

from ..selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The signed-in user's unread count (for the bell in base.html)."""
    if "unread_count" in context:
        return context["unread_count"]
    user = context.get("user")
    return unread_count(user) if user is not None and user.is_authenticated else 0

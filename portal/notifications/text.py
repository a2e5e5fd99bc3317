"""A notification's title kept as its message and parameters, so each reader sees it in their language.

The services pass ``Text(gettext_noop("... %(title)s"), {"title": ...})`` as a title; the notification
stores the message id and the parameters beside the text in the portal's language (used by the
external channels and as the fallback), and the inbox renders the message again in the reader's
language (``Notification.shown_title``).
"""

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

TRANSLATED = "_translated"  # the parameters that are messages themselves (a status label), by name


class Text:
    def __init__(self, msgid: str, params: dict | None = None):
        self.msgid = msgid
        self.params, translated = {}, []
        for key, value in (params or {}).items():
            if isinstance(value, Promise):  # a lazy label: kept as its message id, translated on display
                with translation.override(None):
                    value = str(value)
                translated.append(key)
            self.params[key] = str(value)
        if translated:
            self.params[TRANSLATED] = translated

    def __str__(self) -> str:
        return render(self.msgid, self.params, "")

    def __getitem__(self, item):  # a title is cut to the column's length like a str
        return str(self)[item]


def render(msgid: str, params: dict, fallback: str) -> str:
    """The message in the active language; the stored text when the message or its parameters no longer fit."""
    translated = params.get(TRANSLATED) or ()
    values = {key: gettext(value) if key in translated else value for key, value in params.items()}
    try:
        return gettext(msgid) % values if params else gettext(msgid)
    except (KeyError, TypeError, ValueError):
        return fallback or msgid


def stored(title) -> dict:
    """The fields of a notification row for ``title`` (a str, or a Text rendered again on display)."""
    if isinstance(title, Text):
        with translation.override(settings.LANGUAGE_CODE):  # the portal's language for the stored text
            text = str(title)
        return {"title": text[:200], "title_key": title.msgid, "title_params": title.params}
    return {"title": str(title)[:200]}

"""makemessages that also extracts the ``_l`` / ``_lazy`` aliases some modules use for gettext_lazy
next to ``_`` for gettext."""

from django.core.management.commands.makemessages import Command as MakeMessagesCommand


class Command(MakeMessagesCommand):
    xgettext_options = [*MakeMessagesCommand.xgettext_options, "--keyword=_l", "--keyword=_lazy"]

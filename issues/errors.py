"""The errors a refused action raises, shared by the permission rules and the services."""

from django.core.exceptions import ValidationError


class TransitionError(ValidationError):
    """An action that is not allowed now; the message says why in words the user understands."""


class StaleError(TransitionError):
    """Someone else changed the request after the user loaded it."""

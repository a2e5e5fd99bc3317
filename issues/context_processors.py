from django.utils import timezone
from django.utils.translation import gettext as _

from .selectors import calendar_missing_years


def calendar_banner(request):
    """Tell administrators when deadlines are being counted without holiday data."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_administrator:
        return {}
    years = calendar_missing_years(timezone.localdate())
    if not years:
        return {}
    return {
        "calendar_banner": _(
            "There are no official holidays for %(years)s yet: deadlines in those years are counted Monday to Friday. "
            "Enter the holidays and make-up working days under “Holiday overrides” in the administration."
        )
        % {"years": ", ".join(str(y) for y in years)}
    }

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from .selectors import calendar_missing_marks, calendar_missing_years

# the fixed-date statutory holidays whose overrides mark a year's calendar as entered, by month
HOLIDAYS = {1: _l("New Year's Day"), 10: _l("National Day")}


def calendar_banner(request):
    """Tell administrators when deadlines are being counted without holiday data."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_administrator:
        return {}
    years = calendar_missing_years(timezone.localdate())
    if not years:
        return {}
    separator = _(", ")
    waiting = separator.join(
        _("%(date)s (%(holiday)s)") % {"date": day.isoformat(), "holiday": HOLIDAYS[day.month]}
        for days in calendar_missing_marks(years).values()
        for day in days
    )
    return {
        "calendar_banner": _(
            "There are no official holidays for %(years)s yet: deadlines in those years are counted Monday to Friday. "
            "Enter the holidays and make-up working days under “Holiday overrides” in the administration."
        )
        % {"years": separator.join(str(y) for y in years)}
        + " "
        + _("Still waiting for the overrides of: %(days)s.") % {"days": waiting}
    }

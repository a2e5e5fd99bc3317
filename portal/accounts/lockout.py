"""Login lockout (django-axes) with one change: a successful login clears the failures against that
account only, not those of the address it came from.

Axes' own reset deletes every attempt matching any lockout parameter, so anyone with a valid account
could clear their address's count by logging in between guesses and spray passwords without end, and
a colleague's login behind the same office address would clear a sprayer's count.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt


class AccountResetHandler(AxesDatabaseHandler):
    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count

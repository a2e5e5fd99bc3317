"""The navigation bar: which work pages each role sees (URL names of the installed apps; a wrong one fails loudly)."""

from django.utils.translation import gettext_lazy as _

from .models import Role

NAV_ITEMS = [
    # (role, label, url name)
    (Role.ENTERPRISE, _("My requests"), "issues:my_requests"),
    (Role.ENTERPRISE, _("File a request"), "issues:request_create"),
    (Role.ENTERPRISE, _("Colleagues"), "onboarding:members"),
    (Role.ENTERPRISE, _("My projects"), "projects:mine"),
    (Role.ENTERPRISE, _("Knowledge base"), "knowledge:list"),
    (Role.COMMISSIONER, _("My queue"), "issues:queue"),
    (Role.COMMISSIONER, _("My projects"), "projects:mine"),
    (Role.COMMISSIONER, _("Visits"), "issues:visit_list"),
    (Role.COMMISSIONER, _("Registration applications"), "onboarding:application_list"),
    (Role.COMMISSIONER, _("Hotline work orders to match"), "api:unmatched"),
    (Role.COMMISSIONER, _("Knowledge base"), "knowledge:list"),
    (Role.HANDLER, _("Department queue"), "issues:department_queue"),
    (Role.HANDLER, _("Knowledge base"), "knowledge:list"),
    (Role.SUPERVISOR, _("Dashboard"), "supervision:dashboard"),
    (Role.SUPERVISOR, _("Requests"), "issues:supervisor_list"),
    (Role.SUPERVISOR, _("Extensions"), "issues:extension_list"),
    (Role.ADMINISTRATOR, _("Registration applications"), "onboarding:application_list"),
    (Role.SUPERVISOR, _("Key projects"), "projects:list"),
    (Role.SUPERVISOR, _("Knowledge base"), "knowledge:list"),
    (Role.ADMINISTRATOR, _("Administration"), "admin:index"),
]

"""Thin views: fetch through the selectors, validate with a form, change state only through the services.

requests.py  the request page and its actions (one table of action views), extensions, attachments
lists.py     the four work lists, bulk dispatch, the Excel export, the enterprise search
rows.py      what a work-list row shows and offers, and the fresh row after a quick action
visits.py    visits, filing on behalf, the contact card and its QR code
"""

from .lists import (
    bulk_departments,
    bulk_dispatch,
    department_queue,
    enterprise_suggest,
    my_requests,
    queue,
    request_export,
    supervisor_list,
)
from .requests import (
    attachment_download,
    dispatch_accept,
    dispatch_answer,
    dispatch_extension,
    dispatch_return,
    extension_decide,
    extension_list,
    request_answer,
    request_ask_info,
    request_create,
    request_detail,
    request_dispatch,
    request_evaluate,
    request_reassign,
    request_supply_info,
    request_take_on,
    request_withdraw,
)
from .visits import (
    contact_card,
    contact_card_qr,
    request_create_on_behalf,
    visit_create,
    visit_list,
    visit_photo,
    visits_visible_to,
)

__all__ = [
    "attachment_download",
    "bulk_departments",
    "bulk_dispatch",
    "contact_card",
    "contact_card_qr",
    "department_queue",
    "dispatch_accept",
    "dispatch_answer",
    "dispatch_extension",
    "dispatch_return",
    "enterprise_suggest",
    "extension_decide",
    "extension_list",
    "my_requests",
    "queue",
    "request_answer",
    "request_ask_info",
    "request_create",
    "request_create_on_behalf",
    "request_detail",
    "request_dispatch",
    "request_evaluate",
    "request_export",
    "request_reassign",
    "request_supply_info",
    "request_take_on",
    "request_withdraw",
    "supervisor_list",
    "visit_create",
    "visit_list",
    "visit_photo",
    "visits_visible_to",
]

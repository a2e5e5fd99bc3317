from django.urls import path

from . import views

app_name = "issues"

urlpatterns = [
    path("requests/mine/", views.my_requests, name="my_requests"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("requests/<int:pk>/supply-info/", views.request_supply_info, name="request_supply_info"),
    path("requests/<int:pk>/evaluate/", views.request_evaluate, name="request_evaluate"),
    path("requests/<int:pk>/take-on/", views.request_take_on, name="request_take_on"),
    path("requests/<int:pk>/dispatch/", views.request_dispatch, name="request_dispatch"),
    path("requests/<int:pk>/ask-info/", views.request_ask_info, name="request_ask_info"),
    path("requests/<int:pk>/reassign/", views.request_reassign, name="request_reassign"),
    path("requests/<int:pk>/answer/", views.request_answer, name="request_answer"),
    path("dispatches/<int:pk>/accept/", views.dispatch_accept, name="dispatch_accept"),
    path("dispatches/<int:pk>/return/", views.dispatch_return, name="dispatch_return"),
    path("dispatches/<int:pk>/answer/", views.dispatch_answer, name="dispatch_answer"),
    path("dispatches/<int:pk>/extension/", views.dispatch_extension, name="dispatch_extension"),
    path("extensions/", views.extension_list, name="extension_list"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("attachments/<uuid:token>/", views.attachment_download, name="attachment_download"),
    path("enterprises/<int:pk>/contact/", views.contact_card, name="contact_card"),
    path("enterprises/<int:pk>/contact/qr.svg", views.contact_card_qr, name="contact_card_qr"),
    path("enterprises/suggest/", views.enterprise_suggest, name="enterprise_suggest"),
    path("requests/new/on-behalf/", views.request_create_on_behalf, name="request_create_on_behalf"),
    path("requests/bulk-dispatch/", views.bulk_dispatch, name="bulk_dispatch"),
    path("requests/bulk-dispatch/departments/", views.bulk_departments, name="bulk_departments"),
    path("requests/export/", views.request_export, name="request_export"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/photos/<uuid:token>/", views.visit_photo, name="visit_photo"),
    path("queue/", views.queue, name="queue"),
    path("department/queue/", views.department_queue, name="department_queue"),
    path("supervision/requests/", views.supervisor_list, name="supervisor_list"),
]

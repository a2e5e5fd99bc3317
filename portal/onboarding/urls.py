from django.urls import path

from . import views

app_name = "onboarding"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/verify/", views.register_verify, name="register_verify"),
    path("register/done/", views.register_done, name="register_done"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("password-reset/", views.reset, name="reset"),
    path("password-reset/sent/", views.reset_sent, name="reset_sent"),
    path("password-reset/code/", views.reset_code, name="reset_code"),
    path("password-reset/email/<uidb64>/<token>/", views.reset_email, name="reset_email"),
    path("enterprise/members/", views.members, name="members"),
    path("enterprise/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("join/<str:token>/", views.invitation_accept, name="invitation_accept"),
]

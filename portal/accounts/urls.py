from django.contrib.auth import views as auth_views
from django.urls import path

from . import two_factor_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/two-factor/", two_factor_views.manage, name="two_factor"),
    path("profile/two-factor/recovery-codes/", two_factor_views.codes, name="two_factor_codes"),
    path("two-factor/", two_factor_views.verify, name="two_factor_verify"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
]

from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("", views.entry_list, name="list"),
    path("new/", views.entry_create, name="create"),
    path("<int:pk>/", views.entry_detail, name="detail"),
    path("<int:pk>/publish/", views.entry_publish, name="publish"),
    path("<int:pk>/retire/", views.entry_retire, name="retire"),
    path("suggest/", views.suggest, name="suggest"),
    path("deflect/", views.deflect, name="deflect"),
    path("for-me/", views.policies_for_me, name="for_me"),
    path("dispatch-hint/<int:pk>/", views.dispatch_hint, name="dispatch_hint"),
    path("dashboard/", views.dashboard, name="dashboard"),
]

from django.urls import path

from . import card_views

app_name = "cards"

urlpatterns = [
    path("", card_views.card_list, name="list"),
    path("<int:pk>/revoke/", card_views.card_revoke_view, name="revoke"),
]

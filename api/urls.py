from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import views

app_name = "api"

urlpatterns = [
    path("v1/services", views.ServiceList.as_view(), name="services"),
    path("v1/departments", views.DepartmentList.as_view(), name="departments"),
    path("v1/requests", views.RequestCollection.as_view(), name="requests"),
    path("v1/requests/<int:pk>", views.RequestDetail.as_view(), name="request"),
    path("v1/requests/<int:pk>/return-visit", views.ReturnVisit.as_view(), name="return_visit"),
    path("v1/schema", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="schema"),
    path("v1/docs", views.docs, name="docs"),
    path("unmatched/", views.unmatched_list, name="unmatched"),
    path("unmatched/<int:pk>/match", views.unmatched_match_view, name="unmatched_match"),
]

from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("mine/", views.my_projects, name="mine"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/card/", views.project_card, name="card"),
    path("<int:pk>/stage/", views.project_stage, name="stage"),
    path("<int:pk>/report/", views.report_create, name="report"),
    path("<int:pk>/photos/", views.photo_upload, name="photo_upload"),
    path("photos/<uuid:token>/", views.photo_download, name="photo"),
]

from django.urls import path

from . import project_views, views

app_name = "supervision"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("drill/", views.drill, name="drill"),
    path("projects/", project_views.projects, name="projects"),
    path("projects/list/", project_views.project_list, name="project_list"),
    path("accountability/", views.accountability, name="accountability"),
    path("return-visits/", views.return_visits, name="return_visits"),
    path("return-visits/<int:pk>/", views.return_visit, name="return_visit"),
    path("common/", views.common, name="common"),
    path("common/mark/", views.common_mark, name="common_mark"),
    path("answers/", views.standard_answers, name="standard_answers"),
    path("export/<slug:kind>/", views.export, name="export"),
    path("exports/<int:pk>/", views.export_job, name="export_job"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("ranking/", views.ranking, name="ranking"),
    path("ranking/history/", views.ranking_history, name="ranking_history"),
    path("ranking/draft/", views.ranking_draft, name="ranking_draft"),
    path("ranking/publish/", views.ranking_publish, name="ranking_publish"),
    path("bigscreen/", views.bigscreen, name="bigscreen"),
    path("bigscreen/panel/", views.bigscreen_panel, name="bigscreen_panel"),
    path("bigscreen/links/", views.tokens, name="tokens"),
    path("bigscreen/links/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("bigscreen/t/<str:token>/", views.bigscreen_token, name="bigscreen_token"),
    path("bigscreen/t/<str:token>/panel/", views.bigscreen_token_panel, name="bigscreen_token_panel"),
]

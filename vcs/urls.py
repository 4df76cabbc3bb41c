from django.urls import path

from vcs import views

app_name = "vcs"

urlpatterns = [
    path("hooks/github/<int:pk>/", views.github_hook, name="github"),
    path("hooks/gitlab/<int:pk>/", views.gitlab_hook, name="gitlab"),
]

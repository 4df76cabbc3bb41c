from django.urls import path

app_name = "planning"

urlpatterns: list = []

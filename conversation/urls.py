from django.urls import path

from conversation import views

app_name = "conversation"

_ITEM = "projects/<code:code>/items/<number:number>/"

urlpatterns = [
    path(f"{_ITEM}comments/", views.comment_add, name="comment_add"),
    path(f"{_ITEM}attachments/", views.attachment_add, name="attachment_add"),
    path(f"{_ITEM}attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path(f"{_ITEM}attachments/<int:pk>/remove/", views.attachment_remove, name="attachment_remove"),
]

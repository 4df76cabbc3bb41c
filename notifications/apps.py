from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # items and approvals send signals and never import this app.
        from notifications import receivers

        receivers.connect()

from django.apps import AppConfig


class MeasurementConfig(AppConfig):
    name = "measurement"
    verbose_name = "Measuring the release process: the release overview (KPIs and flow later)"

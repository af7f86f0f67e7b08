from django.apps import AppConfig


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = "計画の構成と年度"

    def ready(self):
        from django.core import signals

        from plans.publication import request_finished_receiver, request_started_receiver

        # plans.publication.after_response: work done once a response has gone.
        signals.request_started.connect(request_started_receiver, dispatch_uid="after_response")
        signals.request_finished.connect(request_finished_receiver, dispatch_uid="after_response")
        signals.got_request_exception.connect(
            request_finished_receiver, dispatch_uid="after_response_exception"
        )

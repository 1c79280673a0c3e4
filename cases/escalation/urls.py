"""Pages of the human review queue, mounted at ``escalations/``."""

from django.urls import path

from cases.escalation import views

app_name = "escalations"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:escalation_id>/", views.detail, name="detail"),
    path("<int:escalation_id>/claim/", views.claim, name="claim"),
    path("<int:escalation_id>/release/", views.release, name="release"),
    path("<int:escalation_id>/reassign/", views.reassign, name="reassign"),
    path("<int:escalation_id>/sign/", views.sign, name="sign"),
    path("<int:escalation_id>/cosign/", views.cosign, name="cosign"),
    path("<int:escalation_id>/correct/", views.correct, name="correct"),
    path("icd10/", views.icd10_lookup, name="icd10"),
    path("cases/<int:case_id>/record/", views.case_chain, name="case_chain"),
    path("cases/<int:case_id>/acknowledge/", views.acknowledge, name="acknowledge"),
]

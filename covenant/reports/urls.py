from django.urls import path

from covenant.reports import views

urlpatterns = [
    path("covenants/<slug:slug>/reports/", views.report_list, name="reports-list"),
    path("reports/<uuid:code>/", views.detail, name="reports-detail"),
    path("reports/<uuid:code>/summary/", views.summary_edit, name="reports-summary"),
    path("reports/<uuid:code>/sections/<int:pk>/", views.section_edit, name="reports-section"),
    path(
        "reports/<uuid:code>/sections/<int:pk>/<str:direction>/",
        views.move,
        name="reports-section-move",
    ),
    path(
        "reports/<uuid:code>/request-approval/",
        views.request_approval,
        name="reports-request-approval",
    ),
    path("reports/<uuid:code>/approve/", views.approve, name="reports-approve"),
    path("reports/<uuid:code>/comment/", views.comment, name="reports-comment"),
    path("reports/<uuid:code>/reopen/", views.reopen, name="reports-reopen"),
    path("reports/<uuid:code>/publish/", views.publish, name="reports-publish"),
    path("reports/<uuid:code>/correct/", views.correct, name="reports-correct"),
    path("reports/<uuid:code>/build-pdf/", views.build_pdf, name="reports-build-pdf"),
    path("reports/<uuid:code>/report-<str:lang>.pdf", views.pdf, name="reports-pdf"),
    path("reports/<uuid:code>/figures.<str:fmt>", views.figures, name="reports-figures"),
]

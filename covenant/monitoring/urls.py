from django.urls import path

from covenant.monitoring import views, views_settings

urlpatterns = [
    path("covenants/<slug:slug>/monitoring/", views.cycles, name="monitoring-cycles"),
    path("covenants/<slug:slug>/monitoring/mine/", views.my_submission, name="monitoring-mine"),
    path(
        "covenants/<slug:slug>/monitoring/indicators/",
        views_settings.indicators,
        name="monitoring-indicators",
    ),
    path(
        "covenants/<slug:slug>/monitoring/indicators/<int:pk>/",
        views_settings.indicator_edit,
        name="monitoring-indicator-edit",
    ),
    path(
        "covenants/<slug:slug>/monitoring/history/",
        views_settings.history,
        name="monitoring-history",
    ),
    path("covenants/<slug:slug>/monitoring/trend/", views_settings.trend, name="monitoring-trend"),
    path(
        "covenants/<slug:slug>/monitoring/<int:number>/",
        views.dashboard,
        name="monitoring-dashboard",
    ),
    path(
        "covenants/<slug:slug>/monitoring/<int:number>/settings/",
        views_settings.cycle_settings,
        name="monitoring-cycle-settings",
    ),
    path(
        "covenants/<slug:slug>/monitoring/<int:number>/company-figures/",
        views_settings.company_figures,
        name="monitoring-company-figures",
    ),
    path(
        "covenants/<slug:slug>/monitoring/<int:number>/figures/<slug:code>/",
        views.figure_companies,
        name="monitoring-figure",
    ),
    path(
        "covenants/<slug:slug>/monitoring/<int:number>/export.xlsx",
        views.export,
        name="monitoring-export",
    ),
    path(
        "covenants/<slug:slug>/monitoring/<int:number>/close/",
        views.close,
        name="monitoring-close",
    ),
    path("parts/<uuid:code>/", views.part_detail, name="monitoring-part"),
    path("parts/<uuid:code>/review/", views.part_review, name="monitoring-review"),
    path("parts/<uuid:code>/document/", views.part_file, name="monitoring-document"),
    path("parts/<uuid:code>/evidence/<int:answer>/", views.part_file, name="monitoring-evidence"),
    path(
        "parts/<uuid:code>/register.xlsx",
        views_settings.risk_register,
        name="monitoring-risk-register",
    ),
    path(
        "covenants/<slug:slug>/monitoring/size-rules/",
        views_settings.size_rules,
        name="monitoring-size-rules",
    ),
    path("parts/<uuid:code>/reopen/", views.part_reopen, name="monitoring-reopen"),
    path(
        "parts/<uuid:code>/items/<uuid:item>/delete/",
        views.item_delete,
        name="monitoring-item-delete",
    ),
]

from django.urls import path

from covenant.knowledge import views

urlpatterns = [
    path("knowledge/", views.home, name="knowledge-home"),
    path("knowledge/commodities/<slug:code>/", views.commodity, name="knowledge-commodity"),
    path("knowledge/countries/<str:iso2>/", views.country, name="knowledge-country"),
    path("knowledge/sources/", views.sources, name="knowledge-sources"),
    path("knowledge/facts/<slug:fact_kind>/new/", views.fact_new, name="knowledge-fact-new"),
    path(
        "knowledge/facts/<slug:fact_kind>/<int:fact>/",
        views.fact_edit,
        name="knowledge-fact-edit",
    ),
    path(
        "knowledge/facts/<slug:fact_kind>/<int:fact>/remove/",
        views.fact_remove,
        name="knowledge-fact-remove",
    ),
]

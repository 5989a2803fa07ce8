from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "covenant.knowledge"
    label = "knowledge"
    verbose_name = _("Risk knowledge base")

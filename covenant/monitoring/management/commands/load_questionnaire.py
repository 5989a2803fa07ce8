import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from covenant.monitoring.services import questionnaire_install


class Command(BaseCommand):
    help = (
        "Install a new version of a self-assessment questionnaire from a JSON file in the format "
        "of covenant/monitoring/data/questionnaire_v1.json; questions may say "
        '"maps_to": "<key in the previous version>". Refuses a version that exists already.'
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            spec = json.loads(file.read_text(encoding="utf-8"))
            questionnaire = questionnaire_install(spec=spec, exists_ok=False)
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        mapped = questionnaire.questions.filter(maps_to__isnull=False).count()
        self.stdout.write(
            f"Installed {questionnaire} with {questionnaire.questions.count()} questions, "
            f"{mapped} mapped to version {questionnaire.version - 1}."
        )

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from covenant.knowledge import reference_data


class Command(BaseCommand):
    help = (
        "Load the openly licensed reference files (USGS production, ILAB list of goods, HS "
        "codes, WGI as a source) and the project's names, synonyms and compositions into the "
        "knowledge base. Idempotent: a second run adds nothing. The folder defaults to "
        f"${reference_data.DATA_ENV} or ../shared/data next to the project."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, help="Folder of the reference files.")

    def handle(self, *args, path: Path | None = None, **options):
        folder = path or reference_data.data_dir()
        if not folder.is_dir():
            raise CommandError(f"No reference data folder at {folder}.")
        reference_data.load(folder, log=self.stdout.write)

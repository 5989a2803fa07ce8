"""Compile the project's .po translations to .mo with polib (no GNU gettext needed).

Run as `python -m covenant.lib.compile_messages`; `make install` does it. The .mo files are
build outputs and stay out of git.
"""

from pathlib import Path

import polib

PACKAGE = Path(__file__).resolve().parent.parent
LOCALE_DIR = PACKAGE / "locale"
LOCALE_DIRS = (LOCALE_DIR, PACKAGE / "locale_allauth")  # ours; allauth's in our Dutch


def main() -> int:
    count = 0
    for locale_dir in LOCALE_DIRS:
        for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
            po = polib.pofile(str(po_path))
            po.save_as_mofile(str(po_path.with_suffix(".mo")))
            count += 1
            name = po_path.relative_to(PACKAGE)
            print(f"compiled {name}: {po.percent_translated()}% translated")
    return count


if __name__ == "__main__":
    main()

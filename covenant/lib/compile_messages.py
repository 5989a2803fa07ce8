"""Compile the project's .po translations to .mo with polib (no GNU gettext needed).

Run as `python -m covenant.lib.compile_messages`; `make install` does it. The .mo files are
build outputs and stay out of git.
"""

from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def main() -> int:
    count = 0
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        po = polib.pofile(str(po_path))
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        count += 1
        print(f"compiled {po_path.relative_to(LOCALE_DIR)}: {po.percent_translated()}% translated")
    return count


if __name__ == "__main__":
    main()

"""The Dutch translation: complete, served by default, and switchable to English.

The .mo files are build outputs (`make messages`); the fixture below compiles the Dutch
catalogue when its .mo is missing or older than the .po, so this module also runs on its own.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.test import Client

from covenant.lib import compile_messages

NL_PO = Path(django_settings.LOCALE_PATHS[0]) / "nl" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")


def nl_catalogue() -> polib.POFile:
    return polib.pofile(str(NL_PO))


@pytest.fixture
def dutch_default(settings):
    """Dutch as the site's default language (the conftest pins English for other tests)."""
    mo = NL_PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < NL_PO.stat().st_mtime:
        compile_messages.main()
    # Re-assigning LOCALE_PATHS makes Django drop catalogues it may have loaded before.
    settings.LOCALE_PATHS = list(django_settings.LOCALE_PATHS)
    settings.LANGUAGE_CODE = "nl"


def test_catalogue_header():
    po = nl_catalogue()
    assert po.metadata["Language"] == "nl"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert not po.metadata_is_fuzzy


def test_every_message_is_translated():
    po = nl_catalogue()
    entries = [e for e in po if not e.obsolete]
    assert entries, "the Dutch catalogue is empty"
    problems = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(i, "") for i in (0, 1)]
            if not all(form.strip() for form in forms):
                problems.append(f"untranslated plural: {entry.msgid!r}")
            sources = (entry.msgid, entry.msgid_plural)
        else:
            forms = [entry.msgstr]
            if not entry.msgstr.strip():
                problems.append(f"untranslated: {entry.msgid!r}")
            sources = (entry.msgid,)
        wanted = set(PLACEHOLDER.findall(sources[-1])) | set(PLACEHOLDER.findall(sources[0]))
        for form in forms:
            if form and set(PLACEHOLDER.findall(form)) != wanted:
                problems.append(f"placeholders differ: {entry.msgid!r} -> {form!r}")
    assert not problems, "\n".join(problems)


def test_public_page_is_dutch_by_default(db, dutch_default):
    response = Client().get("/")  # no language cookie, no Accept-Language header
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert "Convenanten op deze site" in html
    assert "Covenants on this site" not in html


def test_language_switch_to_english(db, dutch_default):
    client = Client()
    assert '<html lang="nl">' in client.get("/").content.decode()

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"

    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Covenants on this site" in html


def test_every_marked_message_is_in_the_catalogue(tmp_path):
    """`makemessages` over a copy of the code finds nothing the Dutch catalogue lacks: a text
    marked for translation after the last `makemessages` would show in English on Dutch pages
    (the test above only sees what is in the catalogue)."""
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) is missing: .ci/run installs it")
        pytest.skip("GNU gettext (xgettext) is not installed")
    root = Path(django_settings.BASE_DIR)
    shutil.copytree(
        root / "covenant",
        tmp_path / "covenant",
        ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo", "tests"),
    )
    shutil.copy(root / "manage.py", tmp_path)
    done = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nl", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        env={**os.environ, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "covenant.settings"},
        capture_output=True,
        text=True,
    )
    # msgmerge refuses a catalogue it cannot parse (a stray "#| msgid_plural" line, say)
    assert done.returncode == 0, done.stderr
    extracted = polib.pofile(str(tmp_path / NL_PO.relative_to(root)))

    def ids(po):
        return {(e.msgctxt, e.msgid, e.msgid_plural) for e in po if not e.obsolete}

    missing = sorted(msgid for _ctx, msgid, _plural in ids(extracted) - ids(nl_catalogue()))
    assert not missing, "run makemessages and translate: " + "; ".join(missing[:10])


ALLAUTH_PO = Path(django_settings.LOCALE_PATHS[1]) / "nl" / "LC_MESSAGES" / "django.po"
# "je" and its kin, allauth's "twee-factor" and its "aanmelden" for logging in
INFORMAL = re.compile(r"\b(je|jou|jouw|jij|jezelf)\b|[Tt]wee-factor|[Aa]anmeld|[Aa]fmeld", re.I)


def test_allauths_texts_are_in_our_formal_dutch_and_still_allauths():
    import allauth

    ours = polib.pofile(str(ALLAUTH_PO))
    theirs = polib.pofile(str(Path(allauth.__file__).parent / "locale/nl/LC_MESSAGES/django.po"))
    known = {e.msgid for e in theirs if not e.obsolete}
    problems = []
    # every informal text of the parts of allauth we use has our formal one
    unused = re.compile(r"socialaccount|webauthn|idp/|usersessions|headless|phone|passkey")
    overridden = {e.msgid for e in ours}
    for entry in theirs:
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        used = not all(unused.search(path) for path, _line in entry.occurrences)
        if entry.obsolete or not used or entry.msgid in overridden:
            continue
        if any(INFORMAL.search(f) for f in forms):
            problems.append(f"not overridden: {entry.msgid!r} ({forms[0]!r})")
    for entry in ours:
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if entry.msgid not in known:  # allauth changed its text: ours no longer applies
            problems.append(f"not in allauth {allauth.__version__}: {entry.msgid!r}")
        if any(INFORMAL.search(f) for f in forms):
            problems.append(f"informal or another word: {forms!r}")
        source = entry.msgid_plural or entry.msgid
        if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(forms[-1])):
            problems.append(f"placeholders differ: {entry.msgid!r}")
    assert problems == []


def test_the_login_pages_say_u_as_the_rest_of_the_app_does(db, dutch_default, company):
    page = Client().get("/accounts/password/reset/").content.decode()
    assert "Vul uw e-mailadres in; we sturen u een e-mail" in page
    assert "Vul je e-mailadres in" not in page
    wrong = {"login": company.email, "password": "not the password"}
    page = Client().post("/accounts/login/", wrong).content.decode()
    assert "Het e-mailadres of het wachtwoord dat u opgaf is onjuist." in page
    client = Client()
    client.force_login(company)
    page = client.get("/accounts/logout/").content.decode()
    assert "Weet u zeker dat u wilt uitloggen?" in page

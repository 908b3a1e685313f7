"""Interface language: choice per request, gettext catalogues, locale-aware formatting.

Catalogues are the ``.po`` files under ``elearn/translations`` read with Babel at start-up,
so translators edit text files only and no compiled artefacts live in git.
"""
from __future__ import annotations

from datetime import datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, request, session
from flask_login import current_user

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}


def _load_catalogue(language: str) -> NullTranslations:
    """Read every ``.po`` file of ``language`` (one per feature) and compile them in memory.

    Fuzzy entries are left out, as gettext would.
    """
    merged = NullTranslations()
    for po_path in sorted((TRANSLATIONS_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        part = Translations(fp=buffer)
        if isinstance(merged, Translations):
            merged._catalog.update(part._catalog)
        else:
            merged = part
    return merged


def current_language() -> str:
    """The UI language of this request: explicit choice, account preference, browser, default."""
    if "language" in g:
        return g.language
    languages = current_app.config["LANGUAGES"]
    choice = session.get("language")
    if choice not in languages and current_user and current_user.is_authenticated:
        choice = current_user.preferred_language
    if choice not in languages:
        choice = request.accept_languages.best_match(languages) if request else None
    g.language = choice if choice in languages else current_app.config["DEFAULT_LANGUAGE"]
    return g.language


def translations() -> NullTranslations:
    return current_app.extensions["elearn.translations"].get(current_language(), NullTranslations())


def gettext(message: str, **variables) -> str:
    text = translations().gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    """The form of ``singular``/``plural`` for ``n`` in the interface language, with the
    variables put in.  Templates call it through Jinja's newstyle wrapper, which passes no
    variables and puts them in itself (``num`` included), so then the text is returned as
    it is."""
    text = translations().ngettext(singular, plural, n)
    if not variables:
        return text
    variables.setdefault("num", n)
    return text % variables


_ = gettext


def fmt_date(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_date(value, format="long", locale=current_language())


def fmt_short_date(value: datetime | None) -> str:
    """The calendar day in Finland, in the locale's short form (8.12.2025), for tables."""
    if value is None:
        return ""
    return format_date(value.astimezone(ZoneInfo("Europe/Helsinki")), format="short",
                       locale=current_language())


def fmt_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, format="medium", locale=current_language(),
                           tzinfo="Europe/Helsinki")


def fmt_number(value: float) -> str:
    return format_decimal(value, locale=current_language())


def fmt_percent(value: float) -> str:
    """``value`` is a fraction (0.5 -> 50 %)."""
    return format_percent(value, locale=current_language())


def language_name(code: str) -> str:
    return Locale.parse(code).get_display_name(code) if code not in LANGUAGE_NAMES else LANGUAGE_NAMES[code]


def init_app(app: Flask) -> None:
    app.extensions["elearn.translations"] = {
        language: _load_catalogue(language) for language in app.config["LANGUAGES"]
    }
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)
    app.jinja_env.globals.update(current_language=current_language, language_name=language_name)
    app.jinja_env.filters.update(date=fmt_date, datetime=fmt_datetime, number=fmt_number,
                                 percent=fmt_percent, short_date=fmt_short_date)

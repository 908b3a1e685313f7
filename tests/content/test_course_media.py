"""What a learner takes from the network-leadership course besides its text: the life-cycle
diagram with alt text in each language (unit 04, repeated in the closing unit) and the
network-map and evaluation worksheet as a PDF to download (unit 06 and the closing unit),
published by the importer and served from /media/."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from elearn import PROJECT_ROOT
from elearn.content.importer import import_courses
from elearn.models import Unit

COURSE = PROJECT_ROOT / "courses" / "verkostojohtaminen"
UNITS = COURSE / "units"
DIAGRAM_ALT = {"fi": "Kaavio verkoston elinkaaresta", "sv": "Diagram över nätverkets livscykel",
               "en": "Diagram of a network's life cycle"}
WORKSHEET = {"fi": "verkostokartta-ja-arviointi.fi.pdf",
             "sv": "natverkskarta-och-utvardering.sv.pdf",
             "en": "network-map-and-evaluation.en.pdf"}


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _units(app, db_session, tmp_path) -> dict[str, Unit]:
    media = tmp_path / "media"
    app.config["COURSE_MEDIA_PATH"] = str(media)
    [result] = import_courses(db_session, COURSE, media_dir=media)
    db_session.commit()
    assert result.published
    return {unit.unit_key: unit for unit in db_session.scalars(select(Unit))}


def test_the_life_cycle_diagram_is_shown_with_alt_text_in_every_language(app, db_session,
                                                                         tmp_path):
    units = _units(app, db_session, tmp_path)
    client = app.test_client()
    for unit_key in ("verkoston-kaynnistaminen", "yhteenveto-ja-oma-suunnitelma"):
        for language, alt in DIAGRAM_ALT.items():
            png = UNITS / "04-verkoston-kaynnistaminen" / "images" / f"elinkaari.{language}.png"
            html = units[unit_key].content_html[language]
            found = re.search(rf'<img src="/media/{_digest(png)}\.png" alt="([^"]+)"', html)
            assert found, (unit_key, language)
            assert found.group(1).startswith(alt)
            response = client.get(f"/media/{_digest(png)}.png")
            assert response.status_code == 200
            assert response.data == png.read_bytes()
            assert response.data.startswith(b"\x89PNG")


def test_the_worksheet_downloads_as_a_pdf_in_every_language(app, db_session, tmp_path):
    units = _units(app, db_session, tmp_path)
    client = app.test_client()
    for unit_key in ("osallistuminen-ja-arviointi", "yhteenveto-ja-oma-suunnitelma"):
        for language, name in WORKSHEET.items():
            pdf = UNITS / "06-osallistuminen-ja-arviointi" / "files" / name
            href = f"/media/{_digest(pdf)}.pdf"
            assert f'<a href="{href}"' in units[unit_key].content_html[language], \
                (unit_key, language)
            response = client.get(href)
            assert response.status_code == 200
            assert response.data.startswith(b"%PDF")
            assert response.data == pdf.read_bytes()

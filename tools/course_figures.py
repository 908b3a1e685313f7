"""Draws the network-leadership course's life-cycle diagram (PNG) and its worksheet (PDF).

Both are generated rather than drawn by hand so that the three language versions stay the same
picture with translated words, and a changed label is one edit here followed by one run. The
files are committed; the course does not need this script at run time.

    pip install cairosvg==2.9.1          # the optional "course-tools" extra
    python tools/course_figures.py       # rewrites the files under courses/verkostojohtaminen
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path
from xml.sax.saxutils import escape

import cairosvg

COURSE = Path(__file__).resolve().parents[1] / "courses" / "verkostojohtaminen" / "units"
LIFE_CYCLE_DIR = COURSE / "04-verkoston-kaynnistaminen" / "images"
WORKSHEET_DIR = COURSE / "06-osallistuminen-ja-arviointi" / "files"
FONT = "DejaVu Sans"
# Cairo stamps each PDF with the time it was made; a fixed stamp of the same length keeps the
# file identical between runs, so regenerating unchanged files publishes no new course version.
PDF_DATE = b"/CreationDate (D:20261203000000Z)"

LIFE_CYCLE = {
    "fi": {
        "title": "Verkoston elinkaari",
        "subtitle": "Imperial ym. (2016) Helsingin yliopiston verkostojohtamisen blogin mukaan",
        "phases": [
            ("1 Aktivaatio", "Etsitään tarkoitusta ja jäseniä. Jäsenet vaihtuvat usein. "
                             "Suunnannäyttäjien aloitteet vievät eteenpäin."),
            ("2 Yhtenäisyys", "Vaihtuvuus vähenee. Omistajuus ja sitoutuminen kasvavat. "
                              "Johtajuus alkaa jakautua."),
            ("3 Institutionalisoituminen", "Vaiheen kuvaus ei sisälly tämän kurssin "
                                           "lähteisiin."),
            ("4 Neljäs vaihe", "Vaiheen nimi ja sisältö eivät selvinneet kurssin "
                               "lähteistä."),
        ],
        "shift": "Uusia kehittämistarpeita syntyy ja johtamisen painopiste vaihtuu: "
                 "verkosto on siirtynyt uuteen vaiheeseen.",
        "end": "Elinkaari voi myös päättyä. Silloinkin verkosto on usein jo ehtinyt "
               "palvella tarkoitustaan.",
    },
    "sv": {
        "title": "Nätverkets livscykel",
        "subtitle": "Imperial m.fl. (2016) enligt Helsingfors universitets blogg om nätverksledning",
        "phases": [
            ("1 Aktivering", "Nätverket söker sitt syfte och sina medlemmar. Medlemmarna byts "
                             "ofta. Vägvisarnas initiativ för det framåt."),
            ("2 Sammanhållning", "Omsättningen minskar. Ägarskap och engagemang växer. "
                                 "Ledarskapet börjar fördelas."),
            ("3 Institutionalisering", "Fasens innehåll finns inte i kursens källor."),
            ("4 Fjärde fasen", "Fasens namn och innehåll framgick inte av kursens källor."),
        ],
        "shift": "Nya utvecklingsbehov uppstår och ledarskapets fokus skiftar: "
                 "nätverket har gått in i en ny fas.",
        "end": "Livscykeln kan också ta slut. Även då har nätverket ofta redan fyllt "
               "sin funktion.",
    },
    "en": {
        "title": "A network's life cycle",
        "subtitle": "Imperial et al. (2016) as summarised by the University of Helsinki "
                    "network-leadership blog",
        "phases": [
            ("1 Activation", "The network looks for its purpose and members. Members change "
                             "often. Pathfinders' initiatives carry it forward."),
            ("2 Cohesion", "Turnover falls. Ownership and commitment grow. Leadership starts "
                           "to be shared."),
            ("3 Institutionalisation", "This phase is not described in the course's "
                                       "sources."),
            ("4 Fourth phase", "Its name and content could not be confirmed from the "
                               "course's sources."),
        ],
        "shift": "New development needs arise and the focus of leadership shifts: the "
                 "network has moved into a new phase.",
        "end": "A life cycle can also end. Even then the network has often served its "
               "purpose.",
    },
}


def _text(x: float, y: float, text: str, size: float, width: int, *, bold: bool = False,
          anchor: str = "start", fill: str = "#1b1b1b", leading: float = 1.3) -> tuple[str, float]:
    """SVG text wrapped at ``width`` characters; returns the element and the y below it."""
    lines = textwrap.wrap(text, width, break_long_words=False) or [""]
    weight = "bold" if bold else "normal"
    spans = "".join(
        f'<tspan x="{x}" y="{y + i * size * leading:.1f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines))
    element = (f'<text font-family="{FONT}" font-size="{size}" font-weight="{weight}" '
               f'text-anchor="{anchor}" fill="{fill}">{spans}</text>')
    return element, y + len(lines) * size * leading


def life_cycle_svg(words: dict) -> str:
    width, height = 1280, 490
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}">',
             f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
             '<defs><marker id="arrow" markerUnits="userSpaceOnUse" markerWidth="14" '
             'markerHeight="14" refX="12" refY="7" orient="auto">'
             '<path d="M0,0 L14,7 L0,14 z" fill="#34495e"/></marker></defs>']
    parts.append(_text(40, 52, words["title"], 30, 60, bold=True)[0])
    parts.append(_text(40, 86, words["subtitle"], 17, 110, fill="#444444")[0])
    box_w, box_h, gap, top = 272, 180, 32, 125
    colours = [("#d6eaf8", "#1f618d"), ("#d5f5e3", "#1e8449"),
               ("#f2f3f4", "#7b7d7d"), ("#f2f3f4", "#7b7d7d")]
    for index, ((name, body), (fill, stroke)) in enumerate(zip(words["phases"], colours)):
        x = 40 + index * (box_w + gap)
        dash = ' stroke-dasharray="8 6"' if index >= 2 else ""
        parts.append(f'<rect x="{x}" y="{top}" width="{box_w}" height="{box_h}" rx="14" '
                     f'fill="{fill}" stroke="{stroke}" stroke-width="3"{dash}/>')
        head, below = _text(x + 14, top + 34, name, 15.5, 40, bold=True, fill=stroke)
        parts.append(head)
        parts.append(_text(x + 14, below + 12, body, 15, 29)[0])
        if index < 3:
            ax = x + box_w + 3
            parts.append(f'<line x1="{ax}" y1="{top + box_h / 2}" x2="{ax + gap - 10}" '
                         f'y2="{top + box_h / 2}" stroke="#34495e" stroke-width="3" '
                         'marker-end="url(#arrow)"/>')
    band = top + box_h + 30
    parts.append(f'<rect x="40" y="{band}" width="{width - 80}" height="70" rx="10" '
                 'fill="#fef9e7" stroke="#b7950b" stroke-width="2"/>')
    parts.append(_text(60, band + 30, words["shift"], 17, 125)[0])
    parts.append(_text(40, band + 110, words["end"], 16, 120, fill="#444444")[0])
    parts.append("</svg>")
    return "".join(parts)


WORKSHEET = {
    "fi": {
        "file": "verkostokartta-ja-arviointi.fi.pdf",
        "title": "Verkostokartta ja arviointilomake",
        "intro": "Täytä lomake yhdestä verkostosta, johon kuulut tai johon sinua on kutsuttu. "
                 "Lomake on sinun omasi: sitä ei palauteta kurssilla.",
        "network": "Verkosto:",
        "map": "1  Verkostokartta",
        "map_help": "Kirjoita keskelle oma yksikkösi. Sijoita toimijat kehille sen mukaan, "
                    "kuinka tiiviisti teette työtä yhdessä. Merkitse uloimmalle kehälle, "
                    "kenen näkökulma tai osaaminen vielä puuttuu.",
        "rings": ["Oma yksikkö", "Tiivis yhteistyö", "Satunnainen yhteistyö",
                  "Puuttuvat näkökulmat"],
        "sectors": ["Ministeriöt", "Virastot ja laitokset", "Järjestöt ja asukkaat",
                    "Tutkimus ja yritykset"],
        "eval": "2  Osallistumisen ja verkoston arviointi",
        "questions": [
            "Mikä on verkoston yhteinen tavoite yhdellä virkkeellä?",
            "Miten osallistuminen palvelee ydintehtävääni? Mitä se vie omasta työstäni, "
            "ja mitä saan siitä takaisin?",
            "Arvioitu työaika kuukaudessa: ylläpito ___ h, viestintä ___ h, tapaamiset ___ h. "
            "Sovittu esihenkilön kanssa:  kyllä / ei",
            "Elinkaaren vaihe:  aktivaatio / yhtenäisyys / myöhempi / en osaa sanoa. "
            "Mistä merkeistä sen päättelen?",
            "Mitä olemme vieneet verkostosta käytäntöön omassa organisaatiossa?",
            "Hyötyvätkö kaikki jäsenet? Milloin ja miten arvioimme toimintaa seuraavaksi?",
        ],
        "footer": "Verkostotyö ja verkostojohtaminen valtionhallinnossa – kurssin työkalu. "
                  "Kysymykset perustuvat kurssin jaksoihin 04–06 ja niiden lähteisiin.",
    },
    "sv": {
        "file": "natverkskarta-och-utvardering.sv.pdf",
        "title": "Nätverkskarta och utvärderingsblankett",
        "intro": "Fyll i blanketten för ett nätverk som du hör till eller har blivit inbjuden "
                 "till. Blanketten är din egen: den lämnas inte in i kursen.",
        "network": "Nätverk:",
        "map": "1  Nätverkskarta",
        "map_help": "Skriv din egen enhet i mitten. Placera aktörerna i ringarna efter hur "
                    "tätt ni arbetar tillsammans. Skriv i den yttersta ringen vems perspektiv "
                    "eller kompetens som ännu saknas.",
        "rings": ["Egen enhet", "Tätt samarbete", "Tillfälligt samarbete",
                  "Perspektiv som saknas"],
        "sectors": ["Ministerier", "Ämbetsverk och inrättningar", "Organisationer och invånare",
                    "Forskning och företag"],
        "eval": "2  Utvärdering av deltagandet och nätverket",
        "questions": [
            "Vad är nätverkets gemensamma mål i en mening?",
            "Hur tjänar deltagandet min kärnuppgift? Vad tar det av mitt eget arbete, och vad "
            "får jag tillbaka?",
            "Uppskattad arbetstid per månad: upprätthållande ___ h, kommunikation ___ h, "
            "möten ___ h. Överenskommet med chefen:  ja / nej",
            "Fas i livscykeln:  aktivering / sammanhållning / senare / vet inte. "
            "Vilka tecken visar det?",
            "Vad har vi fört från nätverket in i praktiken i den egna organisationen?",
            "Har alla medlemmar nytta? När och hur utvärderar vi verksamheten nästa gång?",
        ],
        "footer": "Nätverksarbete och nätverksledning i statsförvaltningen – kursens verktyg. "
                  "Frågorna bygger på kursens avsnitt 04–06 och deras källor.",
    },
    "en": {
        "file": "network-map-and-evaluation.en.pdf",
        "title": "Network map and evaluation worksheet",
        "intro": "Fill in the worksheet for one network you belong to or have been invited "
                 "to. The worksheet is yours: it is not handed in on the course.",
        "network": "Network:",
        "map": "1  Network map",
        "map_help": "Write your own unit in the centre. Place the actors on the rings by how "
                    "closely you work together. On the outer ring, note whose perspective or "
                    "expertise is still missing.",
        "rings": ["Your unit", "Close cooperation", "Occasional cooperation",
                  "Missing perspectives"],
        "sectors": ["Ministries", "Agencies and institutes", "NGOs and residents",
                    "Research and business"],
        "eval": "2  Evaluating your participation and the network",
        "questions": [
            "What is the network's shared goal, in one sentence?",
            "How does taking part serve my core task? What does it take from my own work, "
            "and what do I get back?",
            "Estimated working time per month: upkeep ___ h, communication ___ h, "
            "meetings ___ h. Agreed with my manager:  yes / no",
            "Life-cycle phase:  activation / cohesion / later / cannot say. "
            "Which signs tell me so?",
            "What have we taken from the network into practice in our own organisation?",
            "Do all members benefit? When and how do we evaluate the network next?",
        ],
        "footer": "Network work and network leadership in central government – a course tool. "
                  "The questions draw on units 04–06 of the course and their sources.",
    },
}


def worksheet_svg(words: dict) -> str:
    """One A4 page (595 × 842 pt): a ring map above, evaluation questions with writing lines
    below."""
    width, height = 595, 842
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}pt" height="{height}pt" '
             f'viewBox="0 0 {width} {height}">', f'<rect width="{width}" height="{height}" '
             'fill="#ffffff"/>']
    parts.append(_text(40, 50, words["title"], 18, 60, bold=True)[0])
    element, y = _text(40, 72, words["intro"], 9, 110, fill="#333333")
    parts.append(element)
    parts.append(f'<text x="40" y="{y + 8}" font-family="{FONT}" font-size="10">'
                 f'{escape(words["network"])}</text>')
    parts.append(f'<line x1="100" y1="{y + 9}" x2="555" y2="{y + 9}" stroke="#888" '
                 'stroke-width="0.7"/>')
    y += 34
    parts.append(_text(40, y, words["map"], 12, 60, bold=True)[0])
    element, y = _text(40, y + 16, words["map_help"], 8.5, 120, fill="#333333")
    parts.append(element)
    cx, cy = width / 2, y + 135
    for radius, shade in ((130, "#f4f6f7"), (95, "#eaf2f8"), (60, "#d6eaf8"), (25, "#aed6f1")):
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="{shade}" '
                     'stroke="#5d6d7e" stroke-width="0.8"/>')
    for x1, y1, x2, y2 in ((cx - 130, cy, cx - 25, cy), (cx + 25, cy, cx + 130, cy),
                           (cx, cy - 130, cx, cy - 25), (cx, cy + 25, cx, cy + 130)):
        parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#5d6d7e" '
                     'stroke-width="0.6" stroke-dasharray="3 3"/>')
    parts.append(_text(cx, cy + 3, words["rings"][0], 7, 14, anchor="middle", bold=True)[0])
    for label, radius in zip(words["rings"][1:], (42, 78, 113)):
        parts.append(_text(cx + radius * 0.72, cy - radius * 0.72 - 2, label, 6.5, 30,
                           anchor="middle", fill="#1f3a56")[0])
    corners = ((cx - 215, cy - 120, "start"), (cx + 215, cy - 120, "end"),
               (cx - 215, cy + 125, "start"), (cx + 215, cy + 125, "end"))
    for (x, yy, anchor), label in zip(corners, words["sectors"]):
        parts.append(_text(x, yy, label, 8.5, 24, anchor=anchor, bold=True,
                           fill="#1f618d")[0])
    y = cy + 160
    parts.append(_text(40, y, words["eval"], 12, 60, bold=True)[0])
    y += 10
    for number, question in enumerate(words["questions"], start=1):
        element, y = _text(40, y + 14, f"{number}. {question}", 8.5, 110)
        parts.append(element)
        for line in range(2):
            ly = y + 6 + line * 16
            parts.append(f'<line x1="40" y1="{ly}" x2="555" y2="{ly}" stroke="#aaaaaa" '
                         'stroke-width="0.6"/>')
        y += 28
    parts.append(_text(40, height - 30, words["footer"], 7, 140, fill="#666666")[0])
    parts.append("</svg>")
    return "".join(parts)


def main() -> None:
    LIFE_CYCLE_DIR.mkdir(parents=True, exist_ok=True)
    WORKSHEET_DIR.mkdir(parents=True, exist_ok=True)
    for language, words in LIFE_CYCLE.items():
        target = LIFE_CYCLE_DIR / f"elinkaari.{language}.png"
        cairosvg.svg2png(bytestring=life_cycle_svg(words).encode(), write_to=str(target))
        print(target)
    for words in WORKSHEET.values():
        target = WORKSHEET_DIR / words["file"]
        pdf = cairosvg.svg2pdf(bytestring=worksheet_svg(words).encode())
        target.write_bytes(re.sub(rb"/CreationDate \(D:\d{14}Z\)", PDF_DATE, pdf))
        print(target)


if __name__ == "__main__":
    main()

"""German buying-intent rules (folded, lower-case text: 'Größe' → 'grosse', 'für' → 'fur').

German questions put the verb first ("Habt ihr …", "Macht ihr …", "Bieten Sie …"), and compounds carry
the meaning ("Probetraining", "Lieferzeit"), so several patterns match word stems with ``\\w*``.
"""

from __future__ import annotations

from socialleads.qualify.rules.base import Rule, noun_ask, rules

_YOU = r"(ihr|sie|du)"

RULES: tuple[Rule, ...] = (
    *rules(
        "price",
        r"\bwas (\w+ ){0,8}kost(et|en|e|est)\b|\bwie teuer\b|\bwie viel (\w+ ){0,2}(kostet|kosten|zahlt|"
        r"verlangt)\b",
        *noun_ask(
            "preis|preise|kosten|tarif|tarife",
            "bitte|pls|per pn|pn|gerne|per dm",
            "fur|von|vom|der|des|und|mit|pro",
        ),
        r"\bpreis(vorstellung|info|anfrage|liste)\b|\b(monatliche|mtl\.?) (rate|kosten)\b",
        r"\b(finanzierung|ratenzahlung|leasing\w*|leasen|in raten)\b",
        r"\b(gilt|gelten) (der|die|das|dieser|diese|dieses) (\w+ )?(preis|preise|angebot|rabatt|aktion)\b"
        r"|\b(kostet|ist) (der|die|das) \w+ (immer )?noch \d"
        r"|\b(preis|angebot|rabatt) (\w+ )?noch (gultig|aktuell)\b",
    ),
    *rules(
        "logistics",
        r"\b(versendet|verschickt|verschicken|liefert|liefern) (ihr|sie)\b",
        r"\b(versand|lieferung|lieferzeit|lieferkosten|versandkosten|lieferbar)\b(?=[^.!]{0,40}\?)",
        r"\bwo\b.{0,35}\b(kaufen|bestellen|bekommen|bekommt|bekomme|erhaltlich|kriegen|kriegt|finden)\b",
        r"\b(vorratig|auf lager|lagernd|nachschub|wieder (da|verfugbar|lieferbar|erhaltlich|rein|"
        r"auf lager))\b",
        r"\b(ausverkauft|nicht verfugbar)\b(?=.{0,30}\?)|\bwann (kommt|kommen|gibt es|"
        r"gibts) .{0,25}\b(wieder|neu)\b",
        r"\b(link|abholen|abholung|click (and|&) collect)\b.{0,15}(\?|bitte)",
        label="asks how to get it",
    ),
    *rules(
        "logistics",
        r"\boffnungszeiten\b|\bwann (habt|haben|hat|macht|machen|offnet|offnen) (ihr|sie|der|die|"
        r"das)? ?(\w+ )?"
        r"(auf|offen|geoffnet)\b|\b(habt|haben) (ihr|sie) (\w+ )?(offen|geoffnet)\b",
        label="asks when they can come in",
        weight=1.6,
    ),
    *rules(
        "availability",
        r"\bnoch (\w+ )?(verfugbar|zu haben|frei|da|erhaltlich|zu verkaufen|im angebot|vorhanden)\b",
        r"\b(gibt (es|s)|gibt'?s)\b.{0,40}\b(in|als|mit|auch|noch|fur)\b",
        r"\b(in|als) (grosse|gr\.?) \w+|\b(welche|welcher|welches) (grosse|farbe|rahmengrosse|modell|"
        r"variante)\b",
        r"\bin (schwarz|weiss|blau|rot|grun|grau|anthrazit|beige|braun|dunkel\w*|hell\w*)\b(?=.{0,20}\?)",
        r"\b(kilometerstand|laufleistung|baujahr|abmessungen|masse)\b(?=.{0,20}\?)",
        r"\b(noch )?(ein|einen|eine) (termin|tisch|platz|zimmer|doppelzimmer|einzelzimmer)\b.{0,30}\b(frei|"
        r"verfugbar)\b",
        r"\b(habt|haben) (ihr|sie) (\w+ ){0,4}(frei|verfugbar|vorratig|da)\b",
        r"\b(inklusive|inbegriffen|dabei)\b(?=.{0,15}\?)|\b(kompatibel|schnittstelle|integration) (mit|zu)\b",
        label="asks about availability or specs",
    ),
    *rules(
        "booking",
        r"\b(termin\w*|probetraining|probestunde|probefahrt|probe(fahren|monat|abo|woche)|testfahrt|demo|"
        r"testversion|beratung\w*|besichtigung\w*|angebot|kostenvoranschlag|reservier\w*|wertermittlung|"
        r"vorfuhrung|testphase)\b(?=.{0,50}\?)",
        r"\b(kann|konnen|konnte|mochte|mochten|wurde|wurden|will|wollen) (ich|wir|man) (\w+ ){0,4}(buchen|"
        r"reservieren|vereinbaren|ausprobieren|probefahren|testen|anmelden|besichtigen|anprobieren|"
        r"probieren)\b",
        r"\b(ein|einen) (angebot|termin|kostenvoranschlag|beratungstermin|besichtigungstermin)\b",
        r"\b(nehmt|nehmen) (ihr|sie) (noch )?(neue )?(patienten|kunden|mitglieder|schuler)\b",
        r"\b(wie|wo) (kann ich|konnen wir|kann man) (mich |uns )?(anmelden|buchen|registrieren)\b",
        r"\w+(beratung|termin|besichtigung)\w*\b(?=.{0,50}\?)",
        r"\b(wie|wo) (bucht|buche|vereinbart|vereinbare|bekommt|bekomme|reserviert|reserviere) (man|ich|"
        r"wir)\b",
        r"\b(kann|konnte|konnen|konnten) (jemand|einer|einen|wer|ihr|sie) (\w+ ){0,6}(vorbeikommen|"
        r"kommen|vorbeischauen|ausmessen)\b(?=[^.!]{0,40}\?)|\b(hausbesuch\w*|vor[- ]ort[- ]termin)\b",
    ),
    *rules(
        "contact",
        r"\b(mich|uns) (\w+ ){0,2}(anrufen|zuruckrufen|kontaktieren|anschreiben|beraten)\b",
        r"\b(kann|konnte|konnen|konnten|bitte|wurde|wurden) (mich|uns) (\w+ ){0,4}(anrufen|zuruckrufen|"
        r"kontaktieren)\b",
        r"\b(schreibt|schreib|schreiben sie) (mir|uns)\b|\b(mir|uns) (eine )?(dm|pn|nachricht|mail) "
        r"(schreiben|schicken)\b",
        r"\bruf\w* (sie |ihr |du )?(mich|uns)\b|\b(meldet euch|melden sie sich|melde dich|meldet ihr euch)\b",
        r"\b(mir|uns) (den|die|einen) (link|url)\b|\bschick\w* (ihr |sie )?(mir|uns) (\w+ ){0,3}link\b",
        r"\b(per|via|als|gerne) (pn|dm|mail|email|e-mail|nachricht)\b|\bpn\b",
        r"\bschick\w* (sie |ihr )?(mir|uns) (\w+ ){0,2}(info\w*|angebot|preis\w*|details|unterlagen)\b",
        r"\bmehr info\w*\b|\b(mir|uns) (\w+ ){0,3}(schicken|senden|zukommen lassen|mailen)\b",
    ),
    *rules(
        "purchase",
        r"\b(ich|wir) (\w+ )?(will|wollen|mochte|mochten|brauche|brauchen|suche|suchen|uberlege|uberlegen|"
        r"plane|planen|nehme|nehmen|hatte gerne|hatten gerne|wurde gerne|wurden gerne|benotige|benotigen)\b",
        r"\b(uberleg\w*|interessiert|interesse)\b|\bin zahlung\b|\b(wechseln|umsteigen)\b",
        r"\b(ich|wir) (\w+ ){0,3}(kaufen|bestellen|buchen|abschliessen)\b",
        r"\b(mochte|mochten|will|wollen|wurde gerne|wurden gerne) (\w+ ){0,4}(kaufen|bestellen|buchen|"
        r"reservieren|abholen)\b|\binteressiere (mich|uns)\b",
        r"\b(im|in den|in meinem|in meinen) warenkorb\b|\bbevor (ich|wir) (bestelle|bestellen|kaufe|kaufen|"
        r"buche|buchen)\b|\b(suche|suchen) (einen|eine|ein|nach (einem|einer))\b",
        r"\b(budget|bis|unter|maximal|max\.?) \d[\d.,]* ?(€|eur|euro)",
    ),
    *rules(
        "recommend",
        r"\b(was|welche\w*|wen|wo) (\w+ ){0,3}(empfehlt|empfehlen (sie|ihr)|empfiehlst|ratet|ratet ihr)\b",
        r"\bempfehlung\w*\b(?=.{0,60}\?)|\b(konnt|konnen|wurdet|wurden) (ihr|sie) (\w+ ){0,5}empfehlen\b|"
        r"\b(tipps?|rat) (fur|zu|bei)\b(?=.{0,40}\?)",
    ),
    *rules(
        "offer",
        rf"\b(macht|bietet|verkauft|habt|fuhrt|installiert|repariert|ubernehmt|ubernehmen|nehmt|liefert|"
        rf"bieten|"
        rf"machen|verkaufen|fuhren|installieren|reparieren|vermietet|vermieten|betreut|betreuen|versichert|"
        rf"versichern|unterrichtet|organisiert|organisieren) {_YOU}\b",
        r"\b(kann|konnte) man\b(?=.{0,50}\?)",
    ),
    # --- evidence against ---
    *rules("giveaway", r"\b(gewinnspiel|verlosung|bin dabei|ich bin dabei|mitmachen|ich will gewinnen)\b"),
    *rules(
        "complaint",
        r"\b(reklamation|beschwerde|erstattung|ruckerstattung|geld zuruck|gutschrift|retourniert)\b",
        r"\b(keine|ohne) (antwort|ruckmeldung|reaktion|erstattung)\b|\b(niemand|keiner) (meldet|antwortet|"
        r"kann)\b",
        r"\bwarte\w* seit\b|\bseit \d+ (tagen|wochen|monaten)\b|\bseit (wochen|monaten)\b",
        r"\b(kaputt|defekt|enttausch\w*|unverschamt\w*|frechheit|nie wieder|schade|katastrophe)\b",
        r"\b(kundigung|gekundigt|abgebucht|bucht\w* (\w+ )?ab|kundenservice|kundendienst|support|ticket)\b",
        r"\b(sendungsverfolgung|bestellnummer|meine bestellung|reparatur|garantie|ruckruf)\b",
    ),
    *rules(
        "review",
        r"\b(waren (gestern|letzte|am|dort|da)|war (super|toll|traumhaft|lecker)|seit \d+ jahren (bei|"
        r"kunde))\b",
        r"\b(zufrieden|danke (an|fur)|gekauft|bestellt|bestellt|kann (man|ich) nur empfehlen|"
        r"empfehlenswert)\b",
        r"\b(der|die|das) beste\b|\bbester\b",
    ),
    *rules(
        "wishful",
        r"\b(irgendwann|eines tages|lotto\w*|wenn (ich|wir) (mal )?reich|wenn nur|nicht leisten)\b",
        r"\btraum(auto|haus|wohnung|kuche|urlaub|reise|job|rad|wagen)?\b",
    ),
    *rules(
        "spam",
        r"\b(folgt mir|folge mir|gewinnspiele|geld verdienen|von zu hause|kommt (lieber )?zu|besucht uns)\b",
    ),
    *rules(
        "job",
        r"\b(sucht ihr|suchen sie) (noch )?(aushilf\w*|mitarbeiter\w*|verstarkung|personal|azubi\w*|"
        r"praktikant\w*|leute)\b",
        r"\b(ausbildung\w*|praktikum|bewerbung|bewerben|minijob|nebenjob|lebenslauf|stellenangebot\w*)\b",
        r"\b(praktikant\w*|azubis?|werkstudent\w*)\b",
        r"\b(brauche|suche|brauchen|suchen) (\w+ ){0,2}(arbeit|job|stelle|arbeitsplatz)\b|\b(gerade|noch|"
        r"leute|personal) einstellen\b|\bstellt ihr (\w+ )?ein\b",
    ),
    *rules(
        "purchase",
        r"\bich (hol|hole|kaufe|nehme|bestelle) mir\b|\b(entschieden|entscheidung gefallen)\b.{0,40}\b(hol|"
        r"kauf|nehm|bestell)\w*\b",
        r"\b(brauche|brauchen) (\w+ ){0,2}(dringend|sofort|schnell|bis (zum|ende|monatsende|nachste\w*))\b",
        r"\bdringend (eine?n?|ein) \w+",
        r"\bin (meinem|unserem) budget\b",
        weight=2.2,
        label="says they are buying",
    ),
    *rules(
        "logistics",
        r"\b(geh|gehe|gehen|fahre|fahren|komme|kommen|schaue|schauen) (\w+ ){0,3}(in den|in die|zu euch in "
        r"den|bei euch im) (laden|showroom|filiale|markt|ausstellung)\b|\bkomme (\w+ ){0,3}vorbei\b",
        label="says they are coming to the shop",
        weight=1.6,
    ),
    *rules(
        "timeline",
        r"\b(so schnell wie moglich|schnellstmoglich|asap|bis (ende|zum ende) (des|dieses|nachsten) "
        r"monats|bis monatsende|bis (nachste|diese) woche)\b",
        r"\b(wir ziehen|ich ziehe) (\w+ ){0,3}um\b|\b(umzug|neue wohnung|neuen wohnung|neues haus|"
        r"neubau)\b",
    ),
)

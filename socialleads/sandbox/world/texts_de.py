"""German words of the simulated social-media world: products, places, names and templates.

Pure data, read by :mod:`socialleads.sandbox.world.texts`. Product slots carry the case forms German needs:
``{product}`` (Sofa), ``{der}`` (nominative, das Sofa / der Tisch), ``{den}`` (accusative), ``{dem}``
(dative), ``{ein}`` (accusative, einen Tisch), ``{diesen}`` (accusative), ``{mein}`` (nominative), and the
pronouns ``{es}`` (nominative) and ``{ihn}`` (accusative). ``{colour}`` always follows "in"; ``{when}`` is
an adverbial ("am Samstag"). Other slots: ``{city}``, ``{friend}``, ``{price}``, ``{rival}``, ``{n}``.
"""

from __future__ import annotations

_FORMS = {
    #     der    den    dem    ein      diesen    mein     es     ihn
    "m": ("der", "den", "dem", "einen", "diesen", "mein", "er", "ihn"),
    "f": ("die", "die", "der", "eine", "diese", "meine", "sie", "sie"),
    "n": ("das", "das", "dem", "ein", "dieses", "mein", "es", "es"),
}


def _n(noun: str, gender: str) -> dict[str, str]:
    der, den, dem, ein, diesen, mein, es, ihn = _FORMS[gender]
    return {
        "product": noun,
        "der": f"{der} {noun}",
        "den": f"{den} {noun}",
        "dem": f"{dem} {noun}",
        "ein": f"{ein} {noun}",
        "diesen": f"{diesen} {noun}",
        "mein": f"{mein} {noun}",
        "es": es,
        "ihn": ihn,
    }


PRODUCTS: tuple[dict[str, str], ...] = (
    _n("Sofa", "n"),
    _n("Ecksofa", "n"),
    _n("Schlafsofa", "n"),
    _n("Sessel", "m"),
    _n("Esstisch", "m"),
    _n("Couchtisch", "m"),
    _n("Küche", "f"),
    _n("Bett", "n"),
    _n("Boxspringbett", "n"),
    _n("Stehlampe", "f"),
    _n("Pendelleuchte", "f"),
    _n("Teppich", "m"),
    _n("Sideboard", "n"),
    _n("Bücherregal", "n"),
    _n("Esszimmerstuhl", "m"),
    _n("Kommode", "f"),
)
COLOURS: tuple[str, ...] = (
    "Grau",
    "Salbeigrün",
    "Dunkelblau",
    "Cremeweiß",
    "Terrakotta",
    "Eiche",
    "Anthrazit",
    "Senfgelb",
    "Beige",
    "Cognac",
)
CITIES: tuple[dict[str, str], ...] = tuple(
    {"city": name}
    for name in (
        "Berlin",
        "Hamburg",
        "München",
        "Köln",
        "Frankfurt",
        "Stuttgart",
        "Düsseldorf",
        "Leipzig",
        "Dresden",
        "Nürnberg",
        "Bremen",
        "Wien",
        "Graz",
        "Zürich",
    )
)
PRICES: tuple[str, ...] = ("79 €", "249 €", "499 €", "899 €", "1.250 €", "1.899 €", "2.400 Euro", "649,- €")
WHEN: tuple[str, ...] = ("am Samstag", "morgen", "am Wochenende", "nächste Woche", "am Donnerstagnachmittag")
RIVALS: tuple[str, ...] = ("MöbelMax", "Sofahimmel", "WohnDirekt Outlet", "Polsterparadies")
MALE_NAMES: tuple[str, ...] = (
    "Lukas",
    "Jonas",
    "Maximilian",
    "Felix",
    "Tobias",
    "Jan",
    "Stefan",
    "Jürgen",
    "Niklas",
    "Florian",
    "Björn",
)
FEMALE_NAMES: tuple[str, ...] = (
    "Anna",
    "Lena",
    "Sophie",
    "Julia",
    "Lea",
    "Katharina",
    "Jana",
    "Sabine",
    "Annika",
    "Miriam",
    "Jülide",
)
SURNAMES: tuple[tuple[str, str], ...] = tuple(
    (name, name)
    for name in (
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schäfer",
        "Köhler",
        "Hoffmann",
        "Krüger",
        "Wolf",
        "Schröder",
        "Neumann",
        "Öztürk",
    )
)
DOUBLE_SURNAME_RATE = 0.0

COMMENT_LEADS: tuple[tuple[str, str], ...] = (
    ("price", "Was kostet {der}?"),
    ("price", "Preis für {den} in {colour}? 🙏"),
    ("price", "Hallo! Wie teuer ist {der} in {colour}?"),
    ("price", "Gilt der Preis von {price} noch oder war das nur im Sale?"),
    ("price", "was kostet {der} mit lieferung nach {city}?"),
    ("logistics", "Liefert ihr auch nach {city}?"),
    ("logistics", "versendet ihr nach {city}?? und wie lange dauert das"),
    ("logistics", "Wo kann man das kaufen? Gibts eine Filiale in der Nähe von {city}?"),
    ("logistics", "Könnt ihr mir den Link für {den} schicken? finde {ihn} nicht im Shop"),
    ("logistics", "Kann ich {ihn} {when} im Lager abholen oder geht nur Lieferung?"),
    ("availability", "Gibt es {den} auch in {colour}?"),
    ("availability", "Welche Maße hat {der}? muss wissen ob {es} durch unsere Tür passt 😅"),
    ("availability", "Ist das auf Lager oder muss man bestellen? 🤔"),
    ("availability", "Kommt {der} in {colour} bald wieder rein?"),
    ("availability", "Gibt es {den} auch in einer größeren Ausführung?"),
    ("consultation", "Wie buche ich die kostenlose Einrichtungsberatung? Würde gern {when} kommen"),
    ("consultation", "Kann ich {when} vorbeikommen und mir {den} anschauen? Brauche ich einen Termin?"),
    (
        "consultation",
        "Wir gestalten unser ganzes Wohnzimmer neu, kann jemand aus eurem Designteam nach {city} kommen?",
    ),
    ("consultation", "Könnt ihr mir ein Angebot für eine komplette Küche machen? ca. 12 qm"),
    ("contact", "Bitte ruft mich an, ich möchte {den} bestellen 📞"),
    ("contact", "Kann mir jemand vom Verkauf eine PN schreiben? Interesse an {dem} für unser Büro"),
    ("contact", "Hab euch wegen {dem} ne Mail geschrieben, bevor ich bestelle. Meldet ihr euch heute noch?"),
    ("wish_to_own", "Ich will {diesen} in {colour}!! komme {when} vorbei und bestelle"),
    ("wish_to_own", "Genau so {ein} brauchen wir für die neue Wohnung, wir ziehen nächsten Monat um 😍"),
    ("wish_to_own", "Landet heute Abend im Warenkorb 😍 {der} in {colour} passt perfekt zu uns"),
    ("recommendation", "Was würdet ihr für ein kleines Wohnzimmer empfehlen, {den} oder was Kompakteres?"),
    ("recommendation", "Suche {ein} für eine kleine Wohnung, was könnt ihr empfehlen?"),
    ("recommendation", "Welcher Teppich passt zu einem Sofa in {colour}? will beides bestellen"),
)

COMMENT_OTHER: tuple[tuple[str, str], ...] = (
    ("praise", "Wunderschön!! 😍"),
    ("praise", "Boah, {der} ist der Hammer 😍"),
    ("praise", "Eure Seite ist immer so inspirierend ✨"),
    ("praise", "Das Styling auf dem Foto 👌👌"),
    ("wishful", "Wenn ich's mir nur leisten könnte 😭"),
    ("wishful", "Irgendwann, wenn ich im Lotto gewinne 😂"),
    ("wishful", "In einem anderen Leben hab ich so ein Wohnzimmer"),
    ("wishful", "Mein Kontostand sagt nein 🥲"),
    ("tag_friend", "{friend} 👀"),
    ("tag_friend", "{friend} das bist sowas von du haha"),
    ("tag_friend", "{friend} weißt du noch unsere alte WG-Couch 😂"),
    ("giveaway", "Erledigt ✅ geliked, geteilt und {friend} markiert 🤞"),
    ("giveaway", "Bin dabei! 🍀 {friend}"),
    ("giveaway", "Würde mich riesig freuen 🙏 in meiner Story geteilt"),
    (
        "complaint",
        "Hallo, {mein} kam vor drei Wochen mit einem Kratzer an und keiner antwortet auf meine Mails",
    ),
    ("complaint", "Seit 6 Wochen warte ich auf meine Lieferung, telefonisch erreicht man niemanden 😡"),
    ("complaint", "An {dem} ist nach zwei Monaten schon was kaputt, wie läuft das mit der Reklamation?"),
    ("complaint", "Warte immer noch auf die Erstattung für meine Retoure. Kümmert euch bitte endlich darum"),
    ("review", "Haben {den} letztes Jahr gekauft und {es} sieht immer noch aus wie neu, top Qualität"),
    ("review", "Wir haben {den} in {colour} seit dem Frühling, bester Kauf fürs Haus bisher"),
    ("review", "Seit zwei Jahren im Einsatz, ein bisschen abgenutzt aber immer noch super. 4/5"),
    ("joke", "Meine Katze hat schon Anspruch angemeldet 😂"),
    ("joke", "Ehrlich, {der} hat mehr Stil als ich 😂"),
    ("joke", "Die Pflanze in der Ecke reißt das ganze Bild raus lol"),
    ("spam", "Verdiene 500€ am Tag von zuhause!! Schreib mir eine DM 💸💸"),
    ("spam", "Krypto-Signale in meinem Profil 🚀🚀🚀"),
    ("spam", "Mehr Follower? Schau in meine Bio"),
    ("politics", "Und die Regierung erhöht währenddessen wieder alle Steuern..."),
    ("politics", "Bei der nächsten Wahl alle abwählen!!"),
    ("politics", "Was diese Woche im Bundestag los war, unglaublich"),
    (
        "job_seeker",
        "Stellt ihr ein? Ich habe 5 Jahre Erfahrung im Einzelhandel und würde gern bei euch anfangen",
    ),
    (
        "job_seeker",
        "Sucht ihr Fahrer für die Auslieferung in {city}? Hab letzte Woche meine Bewerbung geschickt",
    ),
    ("job_seeker", "Nehmt ihr Praktikanten? Ich studiere Innenarchitektur"),
    ("competitor", "Gleiches Modell zum halben Preis bei {rival} 👉 Link in Bio"),
    ("competitor", "Bei {rival} ist gerade mega Sale, nur so als Tipp 😉"),
    ("chatter", "Erster!"),
    ("chatter", "So ein verregneter Tag heute in {city}"),
    ("chatter", "Schönen Freitag euch allen 🙌"),
)

POST_LEADS: tuple[tuple[str, str], ...] = (
    ("price", "weiß jemand was {der} aus der neuen Kollektion kostet? finde nirgends Preise"),
    (
        "price",
        "was kostet {der} in {colour} aus dem Schaufenster?? lief heute vorbei, muss dauernd dran denken",
    ),
    ("price", "Kostet {der} wirklich nur {price}? Das wäre in meinem Budget"),
    ("logistics", "liefert ihr nach {city}? bin kurz davor {ein} zu bestellen"),
    ("logistics", "Wo kann ich {den} aus eurem Post von letzter Woche kaufen? Link bitte"),
    ("logistics", "Brauche {ein} bis Monatsende in {city} geliefert, ist das machbar?"),
    ("availability", "Ist {der} wieder auf Lager? schaue jeden Tag nach"),
    ("availability", "Gibt es {den} in {colour}? will {ihn} für die neue Wohnung"),
    ("availability", "Welche Maße hat {der}? muss checken ob {es} reinpasst"),
    ("consultation", "Wie bucht man die kostenlose Einrichtungsberatung? {when} hätte ich Zeit"),
    ("consultation", "Hätte gern ein Angebot für eine neue Küche, kommt jemand zum Ausmessen nach {city}?"),
    ("contact", "kann mich jemand aus dem Laden zurückrufen? möchte {den} bestellen"),
    ("contact", "Bitte schreibt mir eine DM, interessiere mich für {den} fürs neue Büro"),
    ("wish_to_own", "Entschieden: ich hol mir {den} in {colour}. geh {when} in den Laden 🛋️"),
    ("wish_to_own", "Umzug in {n} Wochen und ich brauche dringend {ein}"),
    ("recommendation", "Empfehlungen für {ein} unter {price}? Jemand eine Idee?"),
    (
        "recommendation",
        "Welchen Möbelladen in {city} könnt ihr empfehlen? brauche bis zum Sommer ein neues Sofa",
    ),
)

POST_OTHER: tuple[tuple[str, str], ...] = (
    ("praise", "Der neue Showroom ist echt wunderschön 😍"),
    ("praise", "Wie sie {den} in {colour} im letzten Post gestylt haben, richtig schön"),
    ("wishful", "irgendwann kauf ich mir Möbel, die mehr kosten als mein Auto lol"),
    ("wishful", "Tja, {der} meiner Träume existiert, nur leisten kann ich {ihn} mir nicht 🥲"),
    ("tag_friend", "{friend} guck mal 😂 voll dein Wohnzimmer"),
    ("tag_friend", "{friend} weißt du noch, wie wir dein altes Sofa in den 5. Stock geschleppt haben 😂"),
    ("giveaway", "Beim Gewinnspiel mitgemacht 🤞 Daumen drücken"),
    ("giveaway", "Gewinnspiel-Teilnahme ✅ RT und markieren erledigt"),
    ("complaint", "3 Wochen nach dem Liefertermin und immer noch nichts da. weder Telefon noch Mail 😤"),
    ("complaint", "Meine Lieferung kam beschädigt an und der Kundenservice ignoriert mich"),
    ("review", "Seit 6 Monaten haben wir {den} und sind immer noch happy. solide Qualität"),
    ("review", "Ehrliche Meinung: {der} sieht super aus, Lieferung war langsam. Trotzdem 4/5"),
    ("joke", "Mein Hund hat beschlossen, dass {der} ihm gehört. Hat nicht ganz unrecht"),
    ("joke", "Erwachsensein ist, wenn man sich über {ein} freut lol"),
    ("spam", "🔥 GRATIS iPhone 🔥 Link in meiner Bio"),
    ("spam", "Mit Krypto reich werden, 300% garantiert, DM mir"),
    ("politics", "Zinsen wieder hoch und das nennen sie Aufschwung. Unfassbar"),
    ("politics", "Egal wer die Wahl gewinnt, für Mieter ändert sich nichts"),
    ("job_seeker", "Suche Job im Einzelhandel oder Lager in {city}, DMs offen 🙏"),
    ("job_seeker", "Weiß jemand, ob Möbelhäuser in {city} gerade einstellen? brauche dringend Arbeit"),
    ("competitor", "Großer Sale bei {rival} dieses Wochenende, alles 40% reduziert!! 👉 Link in Bio"),
    ("competitor", "{rival} hat jetzt in {city} eröffnet, schaut in unserem neuen Showroom vorbei!"),
    ("chatter", "Schon wieder Montag. Erstmal Kaffee ☕"),
    ("chatter", "Was für ein Sonnenuntergang heute in {city}"),
)

STORE_POSTS: tuple[str, ...] = (
    "Neu bei uns: {der} in {colour} 🛋️ Jetzt in unserem Showroom in {city}.",
    "Wochenend-Angebot: 20% auf {den} bis Sonntag ✨",
    "Öffnungszeiten diese Woche: Mo-Fr 10-19 Uhr, Sa 10-16 Uhr. Bis bald!",
    "Kostenlose Einrichtungsberatung: Termin einfach auf unserer Website buchen 🏡",
    "Wir stellen vor: {der} in {colour}, jetzt für {price}.",
    "Wir stellen ein! Werde Teil unseres Teams in {city}, Link in Bio.",
    "Sonntagsstimmung: langsame Morgen und weiche Teppiche ☕",
    "GEWINNSPIEL! Liken, Freund:in markieren und {den} gewinnen. Die Auslosung ist {when}.",
    "Endlich wieder auf Lager: {der} 🙌 Ihr habt so oft danach gefragt.",
    "Ein Blick in unsere Werkstatt 🔨",
    "Am Feiertag haben wir geschlossen, ab Dienstag sind wir wieder für euch da.",
    "Unsere Kollektion in {colour} ist da. Was ist euer Lieblingsstück?",
)

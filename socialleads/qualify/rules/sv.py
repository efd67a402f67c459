"""Swedish buying-intent rules (folded, lower-case text: 'köpa' → 'kopa', 'färg' → 'farg').

A business is addressed as "ni" ("Har ni …", "Levererar ni …"); questions put the verb first.
"""

from __future__ import annotations

from socialleads.qualify.rules.base import Rule, noun_ask, rules

_VERB_NI = (
    r"(har|gor|saljer|erbjuder|levererar|skickar|tar|installerar|reparerar|finns|hyr ut|hjalper|"
    r"forsakrar|anordnar|ordnar|oppnar|stanger)"
)

RULES: tuple[Rule, ...] = (
    *rules(
        "price",
        r"\bvad (\w+ ){0,3}kost(ar|ade|a)\b|\bhur mycket (kostar|ar|blir|tar)\b|\bkostar (den|det|de)\b",
        *noun_ask("pris|priset|priser|prislista", "tack|i pm|pm|pls|dm", "pa|for|av|och|med|till"),
        r"\b(avbetalning|delbetalning|finansiering|manadskostnad|per manad)\b(?=.{0,20}\?)",
    ),
    *rules(
        "logistics",
        r"\b(levererar ni|skickar ni|hamta i butik|click (and|&) collect)\b",
        r"\b(leverans\w*|frakt\w*|hemleverans)\b(?=[^.!]{0,40}\?)",
        r"\bvar\b.{0,25}\b(kopa|kop|koper|hitta|hittar|handla|bestalla|kan man fa)\b",
        r"\b(i lager|pa lager|slutsald|slut i lager|tillbaka i lager)\b(?=.{0,30}\?)|\bkommer (den|det|"
        r"de) (\w+ )?tillbaka\b",
        r"\blank(en)?\b.{0,12}(\?|tack)",
        label="asks how to get it",
    ),
    *rules(
        "logistics",
        r"\boppettider\b|\bnar (oppnar|stanger) ni\b|\bhar ni oppet\b",
        label="asks when they can come in",
        weight=1.6,
    ),
    *rules(
        "availability",
        r"\b(fortfarande|kvar|annu) (till salu|ledig\w*|tillganglig|i lager|att fa)\b|"
        r"\bfinns (\w+ ){0,2}kvar\b",
        r"\bfinns (den|det|de|dom) (\w+ )?(i|som)\b",
        r"\b(finns|har ni|kommer) .{0,25}\b(storlek\w*|stl|farg\w*)\b|\bvilken (storlek|farg|modell)\b",
        r"\bi (storlek|stl)\b|\bi (svart|vit|bla|rod|gron|gra|beige|brun|mork\w*|ljus\w*)\b(?=.{0,20}\?)",
        r"\bledig\w*\b(?=.{0,30}\?)|\b(ingar|ingar det)\b(?=.{0,30}\?)|\bkompatibel med\b",
        label="asks about availability or specs",
    ),
    *rules(
        "booking",
        r"\b(boka\w*|provkor\w*|provtran\w*|provpass|provperiod|demo|offert\w*|konsultation|radgivning|"
        r"visning\w*|vardering|tid hos)\b",
        r"\b(kan|far) (jag|vi|man) (\w+ )?(boka|prova|testa|komma|se|fa en)\b",
    ),
    *rules(
        "contact",
        r"\b(ring|kontakta|maila|mejla|skriv till|dm:?a|pm:?a) (mig|oss)\b|\bhor av (er|dig)\b",
        r"\bi (dm|pm|inbox)\b|\bmer info\w*\b|\bskicka (mig|oss) (\w+ )?(info\w*|pris\w*|offert)\b",
    ),
    *rules(
        "purchase",
        r"\b(jag|vi) (vill|skulle vilja|funderar pa|tanker|letar efter|soker|behover|ar intresserade?|"
        r"ska kopa|planerar|overvager)\b",
        r"\bintresse\w*\b|\bbyta (till|fran)\b|\bbyter (till|fran)\b",
    ),
    *rules(
        "recommend",
        r"\b(vad|vilken|vilket|vilka) (\w+ ){0,2}(rekommenderar|tipsar|foreslar) ni\b|"
        r"\bkan ni rekommendera\b",
        r"\brekommendation\w*\b(?=.{0,30}\?)",
    ),
    *rules("offer", rf"\b{_VERB_NI} ni\b(?=.{{0,60}}\?)"),
    # --- evidence against ---
    *rules("giveaway", r"\b(tavling|tavlar|deltar|vill vinna|giveaway|utlottning)\b"),
    *rules(
        "complaint",
        r"\b(aterbetal\w*|pengarna tillbaka|kundtjanst|kundservice|reklamation|klagomal|inget svar|"
        r"utan svar)\b",
        r"\b(svarar inte|fortfarande inte|vantar fortfarande|aldrig igen|besviken|besvikelse|uselt|"
        r"skandal)\b",
        r"\b(ersatt\w*|trasig|fungerar inte|funkar inte|avbrott)\b",
    ),
    *rules("review", r"\b(kopte|kopt|nojd\w*|tack for|basta|haft er|rekommenderas)\b"),
    *rules("wishful", r"\b(en dag|nagon gang|drom\w*|lotto|nar jag blir rik|har inte rad)\b"),
    *rules("spam", r"\b(tjana pengar|folj mig|kolla min profil)\b"),
    *rules("job", r"\b(soker ni|anstaller ni|jobb\w*|tjanst|cv|praktik\w*|sommarjobb)\b"),
    # How to book, a consultation inside a compound ("inredningsrådgivning"), a visit from the business.
    *rules(
        "booking",
        r"\bhur (bokar|bestaller|reserverar) (man|jag|vi)\b|\b\w+(radgivning|konsultation)\b(?=.{0,50}\?)",
        r"\bkan (ni|nagon|en av er) (\w+ ){0,4}komma (hem|ut|forbi)\b|\bhembesok\b",
    ),
)

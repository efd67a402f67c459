"""Norwegian (Bokmål) buying-intent rules (folded, lower-case text: 'kjøpe' → 'kjope', 'åpent' → 'apent').

A business is addressed as "dere" ("Har dere …", "Sender dere …"); questions put the verb first.
"""

from __future__ import annotations

from socialleads.qualify.rules.base import Rule, noun_ask, rules

_VERB_DERE = (
    r"(har|tar|lager|selger|leverer|tilbyr|hjelper|installerer|reparerer|gjor|sender|fikser|leier ut)"
)

RULES: tuple[Rule, ...] = (
    *rules(
        "price",
        r"\bhva (\w+ ){0,3}kost(er|et|e)\b|\bhvor mye (koster|er|blir|tar)\b|\bkoster (den|det|de)\b",
        *noun_ask("pris|prisen|priser|prisliste", "takk|i pm|pm|pls|dm", "pa|for|av|og|med|til"),
    ),
    *rules(
        "logistics",
        r"\b(leverer|sender) dere\b|\b(levering|frakt\w*|forsendelse|henting)\b(?=[^.!]{0,40}\?)",
        r"\bhvor\b.{0,25}\b(kjope|kjop|fa kjopt|finne|bestille)\b",
        r"\b(pa lager|utsolgt|tilbake pa lager)\b(?=.{0,30}\?)|\blink\b.{0,12}(\?|takk)",
        label="asks how to get it",
    ),
    *rules(
        "logistics",
        r"\bapningstid\w*\b|\bnar (apner|stenger) dere\b|\bhar dere apent\b",
        label="asks when they can come in",
        weight=1.6,
    ),
    *rules(
        "availability",
        r"\b(fortsatt|enda) (til salgs|ledig\w*|tilgjengelig|pa lager)\b|\bledig\w*\b(?=[^.!]{0,30}\?)",
        r"\b(storrelse|str|farge\w*)\b(?=[^.!]{0,30}\?)|\bi (svart|hvit|bla|rod|gronn|gra|beige|"
        r"brun)\b(?=.{0,20}\?)",
        r"\bhar dere (denne|den|det|dem|noen|plass|time|ledig)\b",
        label="asks about availability or specs",
    ),
    *rules(
        "booking",
        r"\b(bestille|booke|reservere|timebestilling|provetime|provekjor\w*|demo|tilbud|befaring|visning|"
        r"konsultasjon|radgivning)\b(?=[^.!]{0,50}\?)",
        r"\b(kan|far) (jeg|vi|man) (\w+ )?(bestille|booke|reservere|prove|komme)\b",
    ),
    *rules(
        "contact",
        r"\b(ring|kontakt|send melding til) (meg|oss)\b|\b(i|pa) (pm|dm|innboks)\b|\bmer info\w*\b",
        r"\bta kontakt\b",
    ),
    *rules(
        "purchase",
        r"\b(jeg|vi) (vil gjerne|vil ha|onsker|vurderer|ser etter|trenger|skal kjope|er interessert)\b",
        r"\binteressert\b|\bkunne tenke (meg|oss)\b",
    ),
    *rules("recommend", r"\b(hva|hvilk\w+) (\w+ ){0,2}anbefaler dere\b|\bkan dere anbefale\b"),
    *rules("offer", rf"\b{_VERB_DERE} dere\b(?=[^.!]{{0,60}}\?)"),
    # --- evidence against ---
    *rules("giveaway", r"\b(konkurranse|deltar|vil vinne|giveaway|trekning)\b"),
    *rules(
        "complaint",
        r"\b(refusjon|pengene tilbake|fortsatt ikke|venter fortsatt|ingen svarer|svarer ikke|aldri igjen)\b",
        r"\b(skuffet|elendig|klage|reklamasjon|kundeservice\w*|virker ikke|odelagt)\b",
    ),
    *rules("review", r"\b(kjopte|kjopt|fornoyd|takk for|beste)\b"),
    *rules("wishful", r"\b(en dag|drom\w*|lotto|har ikke rad)\b"),
    *rules("spam", r"\b(tjen penger|folg meg|sjekk profilen min)\b"),
    *rules("job", r"\b(soker dere|ansetter dere|jobb\w*|stilling|cv|laerling\w*)\b"),
    # How to book, a consultation inside a compound ("interiørrådgivning"), a visit from the business.
    *rules(
        "booking",
        r"\bhvordan (booker|bestiller|reserverer) (man|jeg|vi)\b|\b\w+(radgivning|"
        r"konsultasjon)\b(?=.{0,50}\?)",
        r"\bkan (dere|noen|en av dere) (\w+ ){0,4}komme (hjem|ut|forbi|pa befaring)\b|\bhjemmebesok\b",
    ),
)

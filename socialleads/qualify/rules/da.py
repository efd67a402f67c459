"""Danish buying-intent rules (folded, lower-case text: 'købe' → 'kobe', 'størrelse' → 'storrelse').

A business is addressed as "I" (you, plural: "Har I …", "Tager I …"), which folds to the same "i" as
the preposition; the patterns therefore want a verb-first question shape around it.
"""

from __future__ import annotations

from socialleads.qualify.rules.base import Rule, noun_ask, rules

_VERB_I = (
    r"(har|tager|laver|saelger|leverer|tilbyder|hjaelper|installerer|reparerer|giver|underviser|kan|gor|"
    r"forhandler|sender|fører|forer|udlejer|arrangerer|daekker|forsikrer|abner|lukker)"
)

RULES: tuple[Rule, ...] = (
    *rules(
        "price",
        r"\bhvad (\w+ ){0,3}kost(er|e|ede)\b|\bhvor meget (koster|skal|vil|tager)\b|\bkoster (den|det|de)\b",
        *noun_ask("pris|prisen|priser|prisliste", "tak|i pb|pb|pm|pls", "pa|for|af|og|med|til"),
        r"\b(afbetaling|finansiering|leasing|manedlig|manedsbetaling|mdr\.? pris)\b",
        r"\bhvad skal (man|jeg|vi) (give|betale)\b",
    ),
    *rules(
        "logistics",
        r"\b(leverer i|sender i|click (and|&) collect)\b",
        r"\b(levering|leveringstid|forsendelse|fragt\w*|afhentning)\b(?=[^.!]{0,40}\?)",
        r"\bhvor\b.{0,25}\b(kobe|kob|kobes|fa|fas|finde|finder|bestille|kan man fa)\b",
        r"\b(pa lager|udsolgt|tilbage pa lager)\b(?=.{0,30}\?)|\bkommer (den|det|de) (\w+ )?igen\b",
        r"\blink\b.{0,12}(\?|tak)",
        label="asks how to get it",
    ),
    *rules(
        "logistics",
        r"\babningstid\w*\b|\bhvornar (abner|lukker|har) (i|i abent)\b|\bhar i abent\b",
        label="asks when they can come in",
        weight=1.6,
    ),
    *rules(
        "availability",
        r"\b(stadig|endnu|fortsat) (til salg|ledig\w*|tilgaengelig|pa lager|at fa)\b",
        r"\bledig\w*\b|\bplads (til|pa|for)\b(?=.{0,30}\?)",
        r"\b(storrelse\w*|str\.?|farve\w*|farver)\b(?=.{0,30}\?)|\bi (storrelse|str\.?|small|medium|large)\b",
        r"\bi (sort|hvid|bla|rod|gron|gra|morkegra|lysegra|beige|brun|morke\w*|lyse\w*)\b(?=.{0,20}\?)",
        r"\bhvor mange (km|kilometer)\b|\b(integreres|integration|kompatibel)\b",
        r"\b(med i prisen|inkluderet|inklusive)\b(?=.{0,20}\?)|\bma (man )?(tage|have) (hund|born|"
        r"dyr)\w* med\b",
        label="asks about availability or specs",
    ),
    *rules(
        "booking",
        r"\b(booke|book|bestille|reservere|reservation|fremvisning|provetime|proveperiode|provekor\w*|"
        r"provetur|demo|tilbud|konsultation|radgivning|vurdering|besigtigelse|en tid|ledig tid|"
        r"tider)\b(?=.{0,50}\?)",
        r"\b(vil|vi vil|jeg vil) gerne (booke|bestille|reservere|have|se|prove|komme)\b",
        r"\b(give|lave|sende) (mig |os )?(et )?tilbud\b|\btilbud (pa|til)\b|\b(tager|"
        r"modtager) i (nye )?(patienter|kunder|elever)\b",
    ),
    *rules(
        "contact",
        r"\b(ring|ringe|kontakte|kontakt) (mig|os)( op)?\b",
        r"\b(skriv|send|skriv gerne|send gerne) (mig |os )?(\w+ )?(pb|pm|besked|info|mail|en mail)\b",
        r"\b(i|pa) (pb|pm|privat besked|indbakke)\b|\bmere info\w*\b|\bhore (mere|om)\b",
    ),
    *rules(
        "purchase",
        r"\b(jeg|vi) (vil gerne|vil|onsker|overvejer|soger|leder efter|mangler|skal bruge|har brug for|"
        r"er interesseret|tager)\b",
        r"\binteresse\w*\b|\bskal (have|bruge) (en|et|nogle|ny\w*)\b|\bkunne godt taenke (mig|os)\b",
    ),
    *rules(
        "recommend",
        r"\b(kan|vil) i anbefale\b|\banbefaler i\b|\b(hvad|hvilk\w+) (\w+ ){0,2}(anbefaler|foreslar)\b",
        r"\b(anbefaling|anbefalinger)\b(?=.{0,30}\?)",
    ),
    *rules("offer", rf"\b{_VERB_I} i\b(?=.{{0,60}}\?)", rf"^\W*{_VERB_I} i\b"),
    # --- evidence against ---
    *rules(
        "giveaway",
        r"\b(deltager|deltage|konkurrence|giveaway|vil gerne vinde|haber at vinde|krydser fingre)\b",
    ),
    *rules(
        "complaint",
        r"\b(refusion|refundering|pengene tilbage|stadig ikke|venter stadig|ingen (svarer|ringer|svar))\b",
        r"\b(svarer ikke|aldrig igen|ikke imponeret|skuffet|skuffende|elendig|klage|reklamation|opsagde)\b",
        r"\b(opsagt|trukket|defekt|i stykker|virker ikke|nede igen|kundeservice|kompensation|returnerede)\b",
    ),
    *rules(
        "review",
        r"\b(kobte|kobt|fik (dem|den|det)|var der|holdt|stjerner|bedste|tak (for|til)|anbefales)\b",
        r"\bkan varmt anbefale\b|\b(super|meget) tilfreds\b",
    ),
    *rules("wishful", r"\b(en dag|drom\w*|lotto|hvis jeg vandt|nar jeg bliver rig|har ikke rad)\b"),
    *rules("spam", r"\b(tjek min profil|tjen penge|folg mig)\b"),
    *rules(
        "job",
        r"\b(soger i|ansaetter i|ansogning|job|stilling|elev|praktik|praktikplads|laerling|cv)\b",
    ),
    # How to book, a consultation inside a compound ("indretningsrådgivning"), a visit from the business.
    *rules(
        "booking",
        r"\bhvordan (booker|bestiller|reserverer) (man|jeg|vi)\b|\b\w+(radgivning|"
        r"konsultation)\b(?=.{0,50}\?)",
        r"\bkan (i|nogen|en af jer) (\w+ ){0,4}komme (ud|forbi|hjem)\b|\bhjemmebesog\b",
    ),
)

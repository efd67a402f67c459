"""Dutch buying-intent rules (folded, lower-case text); a business is addressed as "jullie"."""

from __future__ import annotations

from socialleads.qualify.rules.base import Rule, noun_ask, rules

_VERB_JULLIE = (
    r"(doen|hebben|verkopen|leveren|bezorgen|maken|installeren|repareren|bieden|accepteren|nemen|verhuren)"
)

RULES: tuple[Rule, ...] = (
    *rules(
        "price",
        r"\bwat (\w+ ){0,3}kost(en|te)?\b|\bhoeveel (kost|kosten|is|betaal)\b",
        *noun_ask(
            "prijs|prijzen|prijslijst|tarief|kosten", "graag|aub|pls|in pm|in dm|pb", "van|voor|op|en|met|per"
        ),
    ),
    *rules(
        "logistics",
        r"\b(bezorgen|leveren|verzenden|sturen) jullie\b|\b(bezorging|levering|verzending|verzendkosten|"
        r"levertijd)\b"
        r"(?=[^.!]{0,40}\?)",
        r"\bwaar\b.{0,25}\b(kopen|koop|bestellen|vinden|te koop|verkrijgbaar)\b",
        r"\b(op voorraad|uitverkocht|weer leverbaar)\b(?=.{0,30}\?)|\blink\b.{0,12}(\?|graag|aub)",
        label="asks how to get it",
    ),
    *rules(
        "logistics",
        r"\bopeningstijden\b|\bzijn jullie (\w+ )?open\b",
        label="asks when they can come in",
        weight=1.6,
    ),
    *rules(
        "availability",
        r"\b(nog )?(beschikbaar|te koop|vrij)\b(?=[^.!]{0,30}\?)|\b(maat|maten|kleur|"
        r"kleuren)\b(?=[^.!]{0,30}\?)",
        r"\bin (zwart|wit|blauw|rood|groen|grijs|roze|beige|bruin)\b(?=.{0,20}\?)",
        r"\bhebben jullie (deze|die|dit|het|nog|ook|een|plek|plaats|tijd)\b",
        label="asks about availability or specs",
    ),
    *rules(
        "booking",
        r"\b(afspraak|reserver\w*|boeken|proefles|proefrit|proefperiode|demo|offerte|adviesgesprek|"
        r"bezichtiging|taxatie)\b",
        r"\b(kan|mag|kunnen) (ik|we|wij|men) (\w+ ){0,2}(boeken|reserveren|langskomen|bestellen|proberen)\b",
    ),
    *rules(
        "contact",
        r"\b(bel|mail|app|contact) (me|mij|ons)\b|\bneem (\w+ )?contact\b|\b(in|via) (pm|dm|prive|inbox)\b",
        r"\bmeer info\w*\b|\bstuur (me|mij|ons) (\w+ )?(info\w*|prijs\w*|offerte)\b",
    ),
    *rules(
        "purchase",
        r"\b(ik|wij|we) (wil|willen|zou graag|zouden graag|zoek|zoeken|ben op zoek|zijn op zoek|"
        r"heb interesse|"
        r"overweeg)\b|\b(interesse|geinteresseerd)\b",
    ),
    *rules(
        "recommend",
        r"\b(wat|welke) (\w+ ){0,2}(raden jullie aan|adviseren jullie)\b|\bkunnen jullie (iets )?aanraden\b",
    ),
    *rules("offer", rf"\b{_VERB_JULLIE} jullie\b(?=[^.!]{{0,60}}\?)"),
    # --- evidence against ---
    *rules("giveaway", r"\b(winactie|ik doe mee|doe mee|giveaway)\b"),
    *rules(
        "complaint",
        r"\b(geen reactie|nog steeds|terugbetal\w*|geld terug|klacht|klantenservice|teleurgesteld|"
        r"nooit meer)\b",
        r"\b(kapot|werkt niet|waardeloos|oplichters)\b",
    ),
    *rules("review", r"\b(gekocht|besteld|tevreden|bedankt voor|de beste)\b"),
    *rules("wishful", r"\b(ooit|droom\w*|loterij|staatsloterij|kan ik niet betalen)\b"),
    *rules("spam", r"\b(verdien geld|volg mij)\b"),
    *rules("job", r"\b(vacature\w*|solliciter\w*|zoeken jullie personeel|cv|stage|bijbaan)\b"),
    # How to book, an appointment or advice, a visit from the business.
    *rules(
        "booking",
        r"\bhoe (boek|reserveer) (ik|je|we|men)\b|\bhoe (maak|plan) (ik|je|we) (een )?afspraak\b",
        r"\b(kan|kunnen) (er )?(iemand|jullie|een van jullie) (\w+ ){0,4}(langskomen|langs komen|"
        r"komen kijken|thuis komen)\b",
    ),
)

"""Italian buying-intent rules (folded, lower-case text: 'è' → 'e', 'più' → 'piu')."""

from __future__ import annotations

from socialleads.qualify.rules.base import Rule, noun_ask, rules

RULES: tuple[Rule, ...] = (
    *rules(
        "price",
        r"\bquanto (\w+ ){0,2}(costa|costano|viene|vengono|costerebbe|verrebbe|fa|e)\b",
        *noun_ask(
            "prezzo|prezzi|costo|listino", "per favore|pls|in dm|in privato|pv", "del|della|di|per|e|in"
        ),
        r"\bqual(e| e) il (prezzo|costo)\b|\b(a rate|finanziamento|rateizz\w*)\b",
    ),
    *rules(
        "logistics",
        r"\b(spedite|consegnate|spedizione|consegna)\b(?=[^.!]{0,40}\?)",
        r"\bdove\b.{0,25}\b(compr\w*|trov\w*|acquist\w*|vend\w*|ordin\w*)\b",
        r"\b(in magazzino|esaurit\w*|torna disponibile|rifornimento)\b(?=.{0,30}\?)|\blink\b.{0,12}(\?|"
        r"per favore)",
        label="asks how to get it",
    ),
    *rules(
        "logistics",
        r"\borari\w*\b(?=.{0,30}\?)|\ba che ora (aprite|chiudete)\b|\bsiete aperti\b",
        label="asks when they can come in",
        weight=1.6,
    ),
    *rules(
        "availability",
        r"\b(ancora )?disponibil\w*\b|\b(taglia|taglie|misura|misure|colore|colori)\b(?=[^.!]{0,30}\?)",
        r"\bin (nero|bianco|blu|rosso|verde|grigio|rosa|beige|marrone)\b(?=.{0,20}\?)",
        r"\b(avete|c'e|ci sono) (ancora )?(posto|posti|tavolo|tavoli|camere|camera|disponibilita)\b",
        r"\b(compatibile|incluso|inclus\w*)\b(?=[^.!]{0,20}\?)",
        label="asks about availability or specs",
    ),
    *rules(
        "booking",
        r"\b(prenot\w*|appuntamento|preventivo|prova gratuita|lezione di prova|demo|consulenza|"
        r"sopralluogo)\b",
        r"\b(vorrei|vorremmo|posso|possiamo|si puo) (\w+ ){0,2}(prenotare|fissare|richiedere|provare|"
        r"ordinare|"
        r"visitare)\b",
    ),
    *rules(
        "contact",
        r"\b(chiamatemi|contattatemi|scrivetemi|mandatemi|inviatemi)\b|\b(mi|ci) (chiamate|contattate|"
        r"scrivete)\b",
        r"\bin (privato|dm|direct|pm)\b|\b(piu|maggiori) (info|informazioni)\b",
    ),
    *rules(
        "purchase",
        r"\b(vorrei|vorremmo|voglio|cerco|cerchiamo|sto cercando|mi interessa|ci interessa|interessat[oa]|"
        r"lo prendo|la prendo|ho bisogno di)\b",
    ),
    *rules(
        "recommend",
        r"\b(cosa|quale|quali) (mi |ci )?(consigliate|consiglieresti|suggerite)\b|\bconsigli\w* (per|"
        r"su)\b(?=.{0,30}\?)",
    ),
    *rules(
        "offer",
        r"\b(avete|fate|vendete|consegnate|spedite|accettate|offrite|organizzate|installate|riparate)\b"
        r"(?=[^?.!]{0,60}\?)",
    ),
    # --- evidence against ---
    *rules("giveaway", r"\b(partecipo|concorso|giveaway|estrazione)\b"),
    *rules(
        "complaint",
        r"\b(rimborso|reclamo|vergogna|ancora niente|ancora nulla|nessuna risposta|nessuno risponde)\b",
        r"\b(non (e )?arrivat\w*|non funziona|delus[oa]|pessim\w*|truffa|assistenza clienti|mai piu)\b",
    ),
    *rules(
        "review",
        r"\b(ho comprato|abbiamo comprato|grazie (a|per)|il migliore|la migliore|consiglio vivamente)\b",
    ),
    *rules("wishful", r"\b(un giorno|sogno|dei miei sogni|lotteria|se vincessi)\b"),
    *rules("spam", r"\b(guadagna|seguimi)\b"),
    *rules("job", r"\b(cercate personale|assumete|lavoro|curriculum|cv|stage|tirocinio)\b"),
    # How to book, a visit from the business.
    *rules(
        "booking",
        r"\bcome (si prenota|prenoto|posso prenotare|faccio a prenotare|si fissa)\b",
        r"\b(potete|puo|potrebbe) (venire|passare) (qualcuno|a casa)\b|\bqualcuno (\w+ ){0,4}(puo|potrebbe) "
        r"venire\b",
    ),
)

"""Polish buying-intent rules (folded, lower-case text: 'ile kosztuje' stays, 'wysyłacie' → 'wysylacie').

A business is addressed in the 2nd person plural ("macie", "wysyłacie", "robicie").
"""

from __future__ import annotations

from socialleads.qualify.rules.base import Rule, rules

RULES: tuple[Rule, ...] = (
    *rules(
        "price",
        r"\bile (\w+ ){0,2}(kosztuje|kosztuja|bedzie kosztowac|za|wynosi)\b|\b(cena|cennik|jaka cena)\b",
        r"\bceny\b(?=[^.!]{0,20}\?)",
    ),
    *rules(
        "logistics",
        r"\b(wysylacie|dostarczacie|dowozicie)\b|\b(wysylka|dostawa|dostawe|kurier)\b(?=[^.!]{0,40}\?)",
        r"\bgdzie\b.{0,25}\b(kupic|kupie|dostac|dostane|znalezc|zamowic)\b",
        r"\b(na stanie|wyprzedan\w*)\b(?=.{0,30}\?)|\blink\b.{0,10}(\?|prosze)",
        label="asks how to get it",
    ),
    *rules(
        "logistics",
        r"\bgodziny otwarcia\b|\bczy (jestescie|bedziecie) otwarci\b|\bdo ktorej (otwarte|czynne)\b",
        label="asks when they can come in",
        weight=1.6,
    ),
    *rules(
        "availability",
        r"\bdostepn\w*\b|\b(rozmiar\w*|kolor\w*)\b(?=[^.!]{0,20}\?)|\bw rozmiarze\b",
        r"\bwolne (terminy|miejsca|stoliki|pokoje)\b|\b(macie|jest) (jeszcze )?(wolny|wolne|miejsce|miejsca|"
        r"termin)\b",
        label="asks about availability or specs",
    ),
    *rules(
        "booking",
        r"\b(rezerwac\w*|zarezerwowac|umowic|wycen\w*|oferte|jazda probna|demo|konsultacj\w*|"
        r"prezentacj\w*)\b",
    ),
    *rules(
        "contact",
        r"\b(zadzwoncie|napiszcie|skontaktujcie sie)\b|\bprosze o (kontakt|telefon|wiadomosc|informacje|"
        r"wycene|"
        r"oferte)\b|\bna (priv|pw|dm)\b|\bwiecej informacji\b",
    ),
    *rules(
        "purchase",
        r"\b(chce|chcialbym|chcialabym|chcielibysmy|szukam|szukamy|potrzebuje|potrzebujemy|"
        r"jestem zainteresowan\w*|interesuje mnie)\b",
    ),
    *rules("recommend", r"\b(co|jaki|jaka|ktory|ktora) (\w+ ){0,2}(polecacie|polecilibyscie|doradzicie)\b"),
    *rules(
        "offer",
        r"\b(macie|robicie|sprzedajecie|oferujecie|przyjmujecie|montujecie|naprawiacie|prowadzicie)\b",
    ),
    # --- evidence against ---
    *rules("giveaway", r"\b(konkurs|biore udzial|zglaszam sie|losowanie|giveaway)\b"),
    *rules(
        "complaint",
        r"\b(zwrot pieniedzy|reklamacj\w*|nadal (nie|brak)|brak odpowiedzi|nikt nie odpowiada|nie dziala)\b",
        r"\b(zepsut\w*|rozczarowan\w*|oszusci|obsluga klienta|nigdy wiecej)\b",
    ),
    *rules("review", r"\b(kupilem|kupilam|kupilismy|dziekuje za|polecam|najlepsz\w*)\b"),
    *rules("wishful", r"\b(kiedys|marzenie|marze|wymarzon\w*|lotto|jak wygram)\b"),
    *rules("spam", r"\b(zarabiaj|obserwuj mnie)\b"),
    *rules("job", r"\b(praca|prace|pracy|rekrutac\w*|cv|staz|zatrudni\w*)\b"),
    # How to book an appointment, a visit from the business.
    *rules(
        "booking",
        r"\bjak (sie )?(umowic|zarezerwowac|zapisac)\b|\bczy (moge|mozna|mozemy) (sie )?(umowic|zarezerwowac|"
        r"zapisac)\b",
        r"\bczy (ktos|ktokolwiek) (\w+ ){0,4}(moze|moglby) przyjechac\b|\bwizyt\w*\b(?=.{0,40}\?)",
    ),
)

"""Per-language intent rules: each main signal fires on plain sentences and quotes the exact span."""

from __future__ import annotations

import pytest

from socialleads.qualify.rules import LANGUAGES, evaluate, fold, tag_only

# (language, sentence, signal, the words the reason must quote). Sentences written for these tests.
POSITIVE = [
    ("en", "How much is the walnut desk?", "price", "How much"),
    ("en", "Do you ship to Norway?", "logistics", "Do you ship"),
    ("en", "Is the grey armchair still available?", "availability", "Is the grey armchair still available"),
    ("en", "Can I book a consultation for next Tuesday?", "booking", "Can I book"),
    ("en", "Please DM me the details", "contact", "Please DM"),
    ("en", "Take my money, I need this lamp", "purchase", "Take my money"),
    ("en", "What would you recommend for a small balcony?", "recommend", "would you recommend"),
    ("es", "¿Cuánto cuesta la lámpara grande?", "price", "Cuánto cuesta"),
    ("es", "¿Hacen envíos a Sevilla?", "logistics", "Hacen envíos"),
    ("es", "¿Sigue disponible la mesa de roble?", "availability", "Sigue disponible"),
    ("es", "Mándenme info por privado", "contact", "Mándenme"),
    ("de", "Was kostet der Esstisch?", "price", "Was kostet"),
    ("de", "Liefert ihr auch nach Graz?", "logistics", "Liefert ihr"),
    ("de", "Ist das Fahrrad noch verfügbar?", "availability", "noch verfügbar"),
    ("de", "Kann ich eine Probefahrt vereinbaren?", "booking", "Kann ich eine Probefahrt vereinbaren"),
    ("de", "Rufen Sie mich bitte an", "contact", "Rufen Sie mich"),
    ("fr", "Combien coûte la commode ?", "price", "Combien"),
    ("fr", "Toujours disponible le vélo rouge ?", "availability", "Toujours disponible"),
    ("fr", "Je voudrais un devis pour une cuisine", "booking", "devis"),
    ("fr", "Rappelez-moi svp", "contact", "Rappelez-moi"),
    ("is", "Hvað kostar þessi stóll?", "price", "Hvað kostar"),
    ("is", "hvad kostar thessi stoll?", "price", "hvad kostar"),
    ("is", "Er hann enn til í svörtu?", "availability", "Er hann enn til í"),
    ("is", "Getið þið gert tilboð í þakið?", "booking", "gert tilboð"),
    ("is", "Hringið í mig takk", "contact", "Hringið í mig"),
    ("da", "Hvad koster sofaen?", "price", "Hvad koster"),
    ("da", "Leverer I til Odense?", "logistics", "Leverer I"),
    ("da", "Er cyklen stadig til salg?", "availability", "stadig til salg"),
    ("da", "Ring mig gerne op", "contact", "Ring mig"),
    ("pt", "Quanto custa o sofá cinza?", "price", "Quanto custa"),
    ("pt", "Vocês entregam em Recife?", "offer", "Vocês entregam"),
    ("pt", "Queria um orçamento para a cozinha", "booking", "orçamento"),
    ("pt", "Me chama no direct", "contact", "Me chama"),
    ("sv", "Vad kostar soffan?", "price", "Vad kostar"),
    ("sv", "Levererar ni till Luleå?", "logistics", "Levererar ni"),
    ("sv", "Finns den kvar i storlek M?", "availability", "Finns den kvar"),
    ("sv", "Kan jag boka en provtur på lördag?", "booking", "Kan jag boka"),
    ("no", "Hva koster sofaen?", "price", "Hva koster"),
    ("it", "Quanto costa il divano?", "price", "Quanto costa"),
    ("nl", "Wat kost de bank?", "price", "Wat kost"),
    ("fi", "Paljonko sohva maksaa?", "price", "Paljonko"),
    ("pl", "Ile kosztuje kanapa?", "price", "Ile kosztuje"),
    # Booking a consultation or an appointment, and a visit from the business, in every language.
    ("en", "How do I book a kitchen planning session?", "booking", "How do I book a"),
    (
        "en",
        "Could someone from your fitting team come out to Leeds?",
        "booking",
        "Could someone from your fitting team come out",
    ),
    ("is", "Hvernig bóka ég tíma hjá ykkur?", "booking", "Hvernig bóka ég"),
    ("is", "Er hægt að fá litaráðgjöf hjá ykkur?", "booking", "litaráðgjöf"),
    ("is", "Getur einhver frá ykkur kíkt á eldhúsið hjá mér?", "booking", "Getur einhver frá ykkur kíkt"),
    ("de", "Wie bucht man bei euch eine Lichtberatung?", "booking", "Wie bucht man"),
    ("es", "¿Cómo reservo una cita para medir la cocina?", "booking", "Cómo reservo una cita"),
    ("fr", "Comment prendre rendez-vous pour la cuisine ?", "booking", "Comment prendre rendez-vous"),
    ("da", "Hvordan booker man en tid?", "booking", "Hvordan booker man"),
    ("sv", "Hur bokar man en färgkonsultation?", "booking", "Hur bokar man"),
    ("no", "Kan dere komme hjem til oss og måle opp?", "booking", "Kan dere komme hjem"),
    ("nl", "Hoe maak ik een afspraak in de winkel?", "booking", "Hoe maak ik een afspraak"),
    ("it", "Come si prenota la consegna?", "booking", "Come si prenota"),
    ("fi", "Miten varaan ajan?", "booking", "Miten varaan"),
    ("pl", "Jak się umówić na pomiar?", "booking", "Jak się umówić"),
    ("pt", "Alguém da loja pode vir medir a sala?", "booking", "Alguém da loja pode vir"),
    # Icelandic: price, delivery, sizes, stock and intent in the ways people write them.
    (
        "is",
        "Hvað myndi þessi stóri hornskápur úr eik kosta?",
        "price",
        "Hvað myndi þessi stóri hornskápur úr eik kosta",
    ),
    ("is", "Finn hvergi verð á síðunni", "price", "Finn hvergi verð"),
    ("is", "Er tilboðið enn í gildi?", "price", "Er tilboðið enn í gildi"),
    ("is", "Getið þið fengið hann sendan austur?", "logistics", "fengið hann sendan"),
    ("is", "Hver eru málin á kommóðunni?", "availability", "Hver eru málin"),
    ("is", "Ég vil fá þennan lampa", "purchase", "vil fá þennan"),
    ("is", "Hringið endilega í mig", "contact", "Hringið endilega í mig"),
    # A visit to the shop is said apart from the decision; a date makes a need a plan.
    (
        "en",
        "Decided on the oak one, heading to the showroom after work",
        "logistics",
        "heading to the showroom",
    ),
    ("en", "Need a desk asap for the home office", "timeline", "asap"),
    ("is", "Vantar skrifborð sem fyrst", "timeline", "sem fyrst"),
    ("de", "Wir ziehen nächsten Monat um und brauchen Stühle", "timeline", "Wir ziehen nächsten Monat um"),
    ("fr", "On déménage, il nous faut vite une table", "timeline", "On déménage"),
    ("es", "Nos mudamos y necesito una mesa", "timeline", "Nos mudamos"),
    # Whether a price still holds, a basket, a callback, sizes.
    ("en", "Is the rug still £120 or was that only the sale?", "price", "Is the rug still £1"),
    (
        "de",
        "Könnte mich bitte jemand vom Verkauf zurückrufen?",
        "contact",
        "Könnte mich bitte jemand vom Verkauf zurückrufen",
    ),
    ("es", "¿Me puede llamar alguien de ventas?", "contact", "Me puede llamar"),
    ("es", "¿Viene en otros colores?", "availability", "Viene en"),
    ("fr", "Est-ce que ce fauteuil existe en vert ?", "availability", "existe en vert"),
]

NEGATIVE = [
    ("en", "Giveaway entry, fingers crossed", "giveaway", "Giveaway"),
    ("en", "Still waiting for my refund after three weeks", "complaint", "Still waiting"),
    ("en", "One day when I'm rich", "wishful", "One day"),
    ("en", "Follow me for daily tips", "spam", "Follow me"),
    ("en", "Are you hiring? I have five years of retail experience", "job", "Are you hiring"),
    ("en", "Bought mine here last year and it still looks brand new", "review", "Bought mine here last year"),
    ("es", "Participo con mi hermana", "giveaway", "Participo"),
    ("es", "Llevo dos semanas y nadie me responde", "complaint", "nadie me responde"),
    ("es", "Algún día será mía", "wishful", "Algún día"),
    ("de", "Gewinnspiel! Ich bin dabei", "giveaway", "Gewinnspiel"),
    ("de", "Seit drei Wochen keine Antwort vom Kundenservice", "complaint", "keine Antwort"),
    ("de", "Irgendwann mal", "wishful", "Irgendwann"),
    ("fr", "Je participe avec plaisir", "giveaway", "Je participe"),
    ("fr", "Toujours aucune réponse du SAV, c'est honteux", "complaint", "Toujours aucune"),
    ("is", "Já takk, væri frábært", "giveaway", "Já takk"),
    ("is", "Ég er ekki enn búin að fá endurgreitt", "complaint", "ekki enn"),
    ("is", "Einn daginn", "wishful", "Einn daginn"),
    ("da", "Jeg venter stadig på min refusion", "complaint", "venter stadig"),
    ("da", "En dag måske", "wishful", "En dag"),
    ("pt", "Participando com a família", "giveaway", "Participando"),
    ("pt", "Meu pedido não chegou até hoje", "complaint", "não chegou"),
    ("sv", "Väntar fortfarande på svar från kundtjänst", "complaint", "Väntar fortfarande"),
    ("en", "Do you take interns over the summer?", "job", "interns"),
    ("is", "Eruð þið að ráða fólk í sumar?", "job", "að ráða"),
    ("de", "Brauche dringend Arbeit, stellt ihr ein?", "job", "Brauche dringend Arbeit"),
    ("is", "Borðið skemmdist í flutningum", "complaint", "skemmdist"),
    ("fr", "Avis honnête : très belle table", "review", "Avis honnête"),
]


def _quotes(text: str, lang: str, signal: str) -> list[str]:
    return [h.quote for h in evaluate(text, (lang,)) if h.rule.signal == signal]


@pytest.mark.parametrize(("lang", "text", "signal", "quote"), POSITIVE)
def test_a_buying_signal_fires_and_quotes_its_words(lang: str, text: str, signal: str, quote: str) -> None:
    assert quote in _quotes(text, lang, signal)


@pytest.mark.parametrize(("lang", "text", "signal", "quote"), NEGATIVE)
def test_a_signal_against_buying_fires_and_quotes_its_words(
    lang: str, text: str, signal: str, quote: str
) -> None:
    assert quote in _quotes(text, lang, signal)


@pytest.mark.parametrize(("lang", "text"), [(lang, text) for lang, text, _, _ in POSITIVE + NEGATIVE])
def test_every_hit_span_is_the_exact_quoted_text(lang: str, text: str) -> None:
    for hit in evaluate(text, (lang,)):
        assert text[hit.span[0] : hit.span[1]] == hit.quote


def test_praise_without_a_question_fires_no_buying_signal() -> None:
    assert [
        h for h in evaluate("What a beautiful kitchen, love the colours", ("en",)) if h.rule.weight > 0
    ] == []


def test_a_price_word_in_a_complaint_is_not_a_price_question() -> None:
    assert _quotes("Prices went up again?! Unbelievable", "en", "price") == []


def test_asking_a_friend_what_they_paid_is_not_a_price_question() -> None:
    assert _quotes("@jo how much did you pay for yours", "en", "price") == []


def test_a_comment_of_only_tags_is_recognised_with_its_span() -> None:
    text = "  @anna.k @bjorn 😍"
    span = tag_only(text)
    assert span is not None and text[span[0] : span[1]] == "@anna.k @bjorn"


def test_a_tag_with_words_is_not_only_tags() -> None:
    assert tag_only("@anna look at the size of this table, we should get one") is None


def test_folding_spells_icelandic_letters_in_ascii_and_maps_spans_back() -> None:
    folded = fold("Hvað kostar þú?")
    assert folded.text == "hvad kostar thu?"
    assert folded.span(12, 15) == (12, 14)  # "thu" is "þú" in the original


def test_an_unknown_language_gets_only_the_universal_rules() -> None:
    assert [h.rule.signal for h in evaluate("xyz link pls", ("zz",))] == ["logistics"]


def test_every_supported_language_has_a_price_rule() -> None:
    from socialleads.qualify.rules import rules_for

    for lang in LANGUAGES:
        assert any(rule.signal == "price" for rule in rules_for(lang)), lang


def test_an_icelandic_decision_about_something_else_is_no_purchase() -> None:
    assert _quotes("Kötturinn hefur ákveðið að stóllinn sé hans", "is", "purchase") == []


def test_an_icelandic_cancellation_is_no_booking() -> None:
    assert _quotes("Hvenær fæ ég endurgreitt fyrir afbókunina?", "is", "booking") == []


def test_a_habit_of_going_to_the_shop_is_no_visit_plan() -> None:
    assert _quotes("Hún fer í búðina á hverjum degi", "is", "logistics") == []


def test_off_white_in_french_is_a_colour_not_a_complaint() -> None:
    assert _quotes("Le buffet existe en blanc cassé ?", "fr", "complaint") == []


def test_asking_where_to_buy_in_french_is_no_past_purchase() -> None:
    assert _quotes("Où acheter la lampe de la semaine dernière ?", "fr", "review") == []


def test_a_french_delivery_word_in_a_review_is_no_delivery_question() -> None:
    assert _quotes("La livraison était rapide, merci", "fr", "logistics") == []


def test_something_existing_in_a_year_is_no_colour_question() -> None:
    assert _quotes("Ça existe encore en 2024 ?", "fr", "availability") == []


def test_asking_how_to_get_a_refund_is_no_booking() -> None:
    assert _quotes("How do I get a refund for my order?", "en", "booking") == []

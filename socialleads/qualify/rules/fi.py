"""Finnish buying-intent rules (folded, lower-case text: 'mitä' → 'mita').

Finnish inflects with suffixes, so patterns match stems; questions to a business use the plural
"you" with the question clitic: "toimitatteko", "myyttekö" (folded "-tteko").
"""

from __future__ import annotations

from socialleads.qualify.rules.base import Rule, rules

RULES: tuple[Rule, ...] = (
    *rules(
        "price",
        r"\bpaljon(ko|ko se)\b|\bmita (\w+ )?maksaa\b|\bhin(ta|nat|nasto|taa|nan)\b|\bmaksaa\b(?=.{0,20}\?)",
    ),
    *rules(
        "logistics",
        r"\b(toimitatte\w*|postitatte\w*|lahetatte\w*)\b|\btoimitus\w*\b(?=[^.!]{0,40}\?)",
        r"\bmista\b.{0,20}\b(ostaa|saa|saisi|loytaa|tilata)\b|\b(varastossa|loppuunmyyty)\b(?=.{0,30}\?)",
        r"\blinkki\b(?=.{0,12}\?)",
        label="asks how to get it",
    ),
    *rules(
        "logistics",
        r"\baukioloaj\w*\b|\boletteko auki\b|\bmilloin (olette auki|aukeatte)\b",
        label="asks when they can come in",
        weight=1.6,
    ),
    *rules(
        "availability",
        r"\bviela (saatavilla|myynnissa|vapaana)\b|\bsaatavilla\b|\b(koko|kokoa|koossa|"
        r"vari\w*)\b(?=[^.!]{0,20}\?)",
        r"\bvapai\w* (aikoja|paikkoja|poytia|huoneita)\b|\bonko teilla\b",
        label="asks about availability or specs",
    ),
    *rules(
        "booking",
        r"\b(varata|varaus\w*|ajanvaraus\w*|tarjous\w*|koeaj\w*|kokeilu\w*|demo|esittely\w*)\b",
        r"\bvoiko (\w+ ){0,2}(varata|tilata|ostaa|tulla|kokeilla)\b",
    ),
    *rules(
        "contact",
        r"\b(soittakaa|soita|laittakaa viestia|ottakaa yhteytta)\b|\b(yksityisviesti\w*|yv|lisatietoja)\b",
    ),
    *rules(
        "purchase",
        r"\b(haluaisin|haluaisimme|haluan (ostaa|tilata|varata)|etsin|etsimme|tarvitsen|tarvitsemme|"
        r"kiinnostaa|kiinnostunut)\b",
    ),
    *rules("recommend", r"\bmita suosittelette\b|\bsuosittele\w*\b(?=.{0,20}\?)"),
    *rules("offer", r"\b\w+tteko\b"),
    # --- evidence against ---
    *rules("giveaway", r"\b(arvonta\w*|osallistun)\b"),
    *rules(
        "complaint",
        r"\b(hyvitys|palautus|reklamaatio|ei vastausta|kukaan ei vastaa|vielakaan|pettynyt|huono palvelu)\b",
        r"\b(ei toimi|rikki|asiakaspalvelu\w*)\b",
    ),
    *rules("review", r"\b(ostin|ostimme|kiitos (hyvasta|avusta|paljon)|tyytyvainen|paras)\b"),
    *rules("wishful", r"\b(joskus|unelma\w*|lotto\w*|jos voittaisin)\b"),
    *rules("spam", r"\b(ansaitse|seuraa minua)\b"),
    *rules("job", r"\b(tyopaik\w*|rekrytoi\w*|cv|harjoittelu\w*|kesatyo\w*)\b"),
    # How to book, advice inside a compound ("sisustusneuvonta"), a visit from the business.
    *rules(
        "booking",
        r"\bmiten (varaan|voin varata|varataan|voi varata)\b|\b\w+neuvon\w*\b(?=.{0,50}\?)",
        r"\b(voisiko|voiko) joku (\w+ ){0,3}tulla\b|\bkotikaynti\w*\b",
    ),
)

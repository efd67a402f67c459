"""Icelandic buying-intent rules (folded, lower-case text: 'hvað kostar' → 'hvad kostar', 'þið' → 'thid').

Icelandic inflects heavily, so patterns match stems ("verd\\w*" covers verð, verðið, verðinu). Questions
to a business use the plural "you": "eigið þið", contracted in speech and chat to "eigiði", "eruði",
"takiði" (folded "eigidi"); both forms are matched. People often type without Icelandic letters
("hvad kostar", "thad"), which the folding makes identical.
"""

from __future__ import annotations

from socialleads.qualify.rules.base import Rule, noun_ask, rules

# 2nd person plural questions: "gerið þið" / "geriði" / "gerid thid" (folded).
# "ætlið þið að laga …" (when will you fix …) is a demand, not a question about an offer.
_YOU_ASK = r"\b(?!aetl)\w{2,}(id thid|idi|udi|ud thid)\b"

RULES: tuple[Rule, ...] = (
    *rules(
        "price",
        r"\bhvad\b.{0,50}\bkost(ar|a|ad|ar thad|adi|udu)\b|\bhversu mikid\b|\bhvad er verd\w*\b",
        r"\bfinn (hvergi|ekki|ekkert) (\w+ )?verd\w*\b|\bhvergi verd\w*\b",
        r"\bbara (a|i) (utsolu\w*|tilbod\w*)\b(?=.{0,30}\?)",
        r"\b(er|eru|gildir|gilda|helst) (thetta|thessi|thad|hann|hun|verdid|tilbodid|afslatturinn) "
        r"(enn|enntha|ennta) (a|i gildi)\b(?=.{0,60}\?)",
        *noun_ask("verd|verdid|verdin", "takk|i pm|i einkaskilabodum|pm|pls", "a|fyrir|med|og|i"),
        r"\bverdid a\b(?=.{0,40}\?)|\bverdlist\w*\b",
        r"\bkosta(r)? (thessi|thetta|hann|hun|thad|thau)\b|\b(greidsludreif\w*|radgreidsl\w*|afborgun\w*)\b",
    ),
    *rules(
        "logistics",
        r"\b(sendid|sendidi|sendingarkostnad\w*|heimsending\w*|heimsend\w*|afhendingartim\w*|ut a land|"
        r"keyra? ut)\b(?=[^.!]{0,40}\?)",
        r"\bhvar\b.{0,25}\b(faest|fae|faer|kaup\w*|keypt\w*|panta\w*|finn\w*)\b",
        r"\b(a lager|lagerstad\w*|koma aftur|kemur aftur|vaentanleg\w*)\b(?=.{0,30}\?)",
        r"\b(fa|fae|faum|fengid) (\w+ ){0,3}(?<!ad )(sent|send(an|a|ur|ir|ar))\b|\bsent\w* (til|i|a|heim|"
        r"ut a)\b(?=[^.!]{0,60}\?)",
        r"\b(saekja|saeki|saekjum|sott)\b(?=[^.!]{0,40}\?)|\bhaegt ad (saekja|senda)\b",
        r"\b(linkur|link|hlekk\w*)\b.{0,12}(\?|takk)",
        label="asks how to get it",
    ),
    *rules(
        "logistics",
        r"\bopnunartim\w*\b|\bhvenaer (opnid|opnar|opnidi|lokid|lokar|er opid)\b|\ber opid\b(?=.{0,30}\?)",
        label="asks when they can come in",
        weight=1.6,
    ),
    *rules(
        "logistics",
        r"\b(fer|forum|kem|komum|kiki|kikjum|skrepp|skreppum) (\w+ ){0,3}(i budina|i verslunina|i "
        r"syningarsalinn|til ykkar)\b(?! (a hverjum degi|daglega|alltaf|oft)\b)",
        r"\b(kem|komum|kiki|kikjum) (\w+ ){0,3}og (panta|kaupi|kaupa|sae?ki|skoda)\b",
        label="says they are coming to the shop",
        weight=1.6,
    ),
    *rules(
        "availability",
        r"\benn (til|laus\w*|til solu|i bodi|a lausu)\b|\btil solu\b(?=.{0,20}\?)",
        r"\b(er |eru )?(hann|hun|thad|thessi|thetta|thau) (\w+ ){0,2}til i\b|\btil i \w+\s*\?",
        r"\b(er )?haegt ad fa\b|\bfaanleg\w*\b",
        r"\b(staerd\w*|numer)\b(?=.{0,30}\?)|\bhvada (staerd|lit|gerd|tegund|typu)\b",
        r"\bi (svortu|hvitu|graenu|blau|raudu|gra|gulu|bleiku|brunu|dokk\w*|ljos\w*)\b",
        r"\b(laus|lausan|lausa|laust|lausir|lausar|lausum|lausu)\b",
        r"\b(ekinn|keyrdur|arger\w*)\b|\b(tengist|virkar|samhaef\w*) (thetta|thad|hann|hun)? ?(vid|med)\b",
        r"\bma (koma|taka) med\b|\binnifal\w*\b",
        r"\bhver eru malin\b|\bmal(in|id) a\b(?=[^.!]{0,40}\?)|\b(breidd|lengd|dypt|"
        r"malsetning\w*)\w*\b(?=[^.!]{0,40}\?)",
        r"\b(komist|kemst|komast|passar|passi) (\w+ )?fyrir\b|\bhvort (hann|hun|thad|thau) (komist|passi)\b",
        label="asks about availability or specs",
    ),
    *rules(
        "booking",
        r"\b(tima|timann|timi|bokun\w*|boka|prufutim\w*|prufu\w*|kynning\w*|tilbod\w*|verdmat\w*|radgjof\w*|"
        r"skodun\w*|reynsluakst\w*|demo)\b(?=.{0,40}\?)",
        r"\b(get|getum|ma|maetti|vaeri|vaerum) (eg|vid)? ?(\w+ )?(til i ad )?(fa ad )?(panta|boka|skoda|"
        r"profa|"
        r"koma|skra)\b",
        r"\b(gera|gerid|gert) (mer |okkur )?tilbod\b|\bverdmat\b|\b(takid|takidi|takid thid) (vid|"
        r"ad ykkur)\b",
        r"\bhvernig (skrai|skrair|skrair madur|skra eg|kemst eg)\b|\bskra mig\b",
        # not "afbókun" (a cancellation)
        r"\b(?!af)\w*(radgjof|radgjaf|bokun|prufutim|"
        r"heimsokn)\w*\b(?=[^.!]{0,60}\?)",
        r"\bhvernig (boka|bokar|bokid|panta|pantar|pantid) (eg|madur|vid|thu|einhver)\b",
        r"\b(fa|panta|boka|fengid|pantad|bokad) (\w+ )?tima\b|\b(vaeri|vaerum|er|erum) (alveg )?til i "
        r"(tima|timann|ad hittast|fund)\b",
        r"\b(getur|gaeti|geta|gaetu|getid|gaetud) (einhver |thid |thu )?(\w+ ){0,3}(komid|kikt|litid vid|"
        r"gefid rad|radlagt|metid)\b",
        r"\b(gefa|gefid|fa) (okkur |mer )?rad\b(?=[^.!]{0,40}\?)",
    ),
    *rules(
        "contact",
        r"\bhring\w* (endilega |bara |svo )?i (mig|okkur)\b|\b(hafid|hafidi|hafa|hafdu) samband\b",
        r"\b(sendu|sendid|sendidi|sendir) (mer|okkur) (\w+ ){0,2}(verd\w*|upplysingar|tilbod|skilabod|pm)\b",
        r"\b(i|a) (pm|pb|einkaskilabod\w*|inbox|dm)\b|\bupplysingar\b(?=.{0,20}\?)",
    ),
    *rules(
        "purchase",
        r"\b(mig|okkur) langar (i|ad)\b|\blangar (ad|i) (profa|kaupa|fa|panta|byrja|skra|laera)\b",
        r"\b(vil|viljum|aetla|aetlum|tharf|thurfum|vantar) (\w+ ){0,2}(kaupa|panta|laera|tryggja|skra|"
        r"byrja|selja|skipta)\b",
        r"\b(erum|er) (ad )?spa i\b|\bahuga\w*\b|\b(vaeri|vaerum) (alveg )?til i ad (fa|kaupa|panta|skoda|"
        r"profa)\b",
    ),
    *rules(
        "recommend",
        r"\bmaeli\w* (thid|thu)? ?med\b(?=.{0,60}\?)|\bhverju maeli\w*\b|\bhvad maeli\w*\b",
        r"\bhvada (staerd|gerd|tegund|pakka|askrift|kort|leid)\b(?=.{0,40}\?)",
    ),
    *rules("offer", rf"{_YOU_ASK}(?=.{{0,60}}\?)", r"\ber haegt ad\b(?=.{0,50}\?)"),
    # --- evidence against ---
    *rules(
        "giveaway",
        r"^\W*ja takk\b|\bbuin ad (laeka|deila|skra|merkja)\b|\blaeka og deila\b|\b(gjafaleik\w*|leikur)\b",
        r"\b(vinna thetta|vinna thennan|vinna thessa)\b",
    ),
    *rules(
        "complaint",
        r"\b(endurgreitt|endurgreidsl\w*|enginn svarar|enginn (hefur|hringir)|ekki enn|enn ekki|rukka\w*)\b",
        r"\b(vidgerd|kvortun|kvarta\w*|skammist|leidinlegt|til skammar|omurleg\w*|thjonustuver\w*)\b",
        r"\b(hvar er (pakkinn|pontunin)|ekki satt|ekki sattur|ekki satt|ekkert buid)\b",
        r"\b(skemmd\w*|bilad\w*|bilun\w*|brotn\w*|gallad\w*|galli|fae eg (thetta|thad) baett)\b",
    ),
    *rules(
        "review",
        r"\b(keypti|keyptum|forum|vorum thar|var thar|settud|takk fyrir (okkur|mig|alla|frabaera))\b",
        r"\btakk \w+ fyrir\b|\b(besti|besta|bestu)\b|\bmaeli (hiklaust )?med\b",
    ),
    *rules("wishful", r"\b(einn daginn|einhvern daginn|draum\w*|ef (vid|eg) aettum|lotto\w*)\b"),
    *rules("spam", r"\b(vinndu|smelltu|kikid a okkur|fylgdu mer|fylgid mer)\b"),
    *rules(
        "job",
        r"\b(vantar ykkur|starf\w*|atvinnu\w*|ferilskr\w*|umsokn\w*|sumarvinn\w*|kennslurettindi)\b",
        r"\b(ad rada|i vinnu|vinna hja ykkur|ara reynslu|starfsnam\w*|laerling\w*)\b",
    ),
    *rules(
        "purchase",
        r"\beg fae mer\b|\b(eg )?aetla ad (kaupa|fa mer|panta)\b|(^|[.!?]\s*|@\S+\s+)akvedid\s*[:,!-]",
        r"\b(hef|hofum|er|erum) (buin\w* ad )?akve\w* ad (kaupa|fa|panta|taka|skella)\b",
        r"\b(vil|viljum) fa (thennan|thessa|thetta|svona|einn|eina|eitt|tvo|tvaer|hann|hana)\b",
        r"\b(mig|okkur) vantar \w+",
        r"\binnan (budgetsins|fjarhagsaaetlunar\w*)\b|\b(fer|for|setti|set) (\w+ )?i (korfuna|"
        r"innkaupakorfuna)\b",
        weight=2.2,
        label="says they are buying",
    ),
    *rules(
        "timeline",
        r"\b(sem (allra )?fyrst|eins fljott og (haegt|audid)( er)?|strax i dag|fyrir (manadamot|jol|"
        r"helgi|paska|naestu helgi))\b",
        r"\b(flyt|flytjum|flytja|flutt|flytjid) (\w+ )?(eftir|i naestu|um|i) (\d+|tvaer|thrjar|fjorar|"
        r"nokkrar|viku|vikur|manud\w*|manadamot)\b|\b(erum|er) ad flytja\b|\bnyju? (ibud|husi|hus)\w*\b",
    ),
)

"""Icelandic words of the simulated social-media world: products, places, names and templates.

Pure data, read by :mod:`socialleads.sandbox.world.texts`. Icelandic declines nouns, so each product carries
its case forms: ``{product}`` (nominative, sófi), ``{inn}`` (definite nominative, sófinn), ``{ann}``
(definite accusative, sófann), ``{acc}`` (accusative, sófa), ``{dat}`` (dative, sófa / rúmi), ``{num}``
(definite dative, sófanum), ``{dem}`` (demonstrative accusative, þennan sófa), the pronouns ``{pron}``
(hann / hún / það) and ``{pron_acc}`` (hann / hana / það) and the possessive ``{minn}`` (minn / mín /
mitt). Cities carry ``{i_city}`` (in: í Reykjavík, á Akureyri) and ``{til_city}`` (to: til Akureyrar,
í Kópavog). ``{colour}`` is a dative that always follows "í" (í gráu); ``{when}`` is an adverbial
(á laugardaginn). Other slots: ``{friend}``, ``{price}``, ``{rival}``, ``{n}``.
"""

from __future__ import annotations

_GENDER = {
    #    pron   pron_acc  dem       minn
    "m": ("hann", "hann", "þennan", "minn"),
    "f": ("hún", "hana", "þessa", "mín"),
    "n": ("það", "það", "þetta", "mitt"),
}


def _n(nom: str, inn: str, ann: str, acc: str, dat: str, num: str, gender: str) -> dict[str, str]:
    pron, pron_acc, dem, minn = _GENDER[gender]
    return {
        "product": nom,
        "inn": inn,
        "ann": ann,
        "acc": acc,
        "dat": dat,
        "num": num,
        "dem": f"{dem} {acc}",
        "pron": pron,
        "pron_acc": pron_acc,
        "minn": minn,
    }


PRODUCTS: tuple[dict[str, str], ...] = (
    _n("sófi", "sófinn", "sófann", "sófa", "sófa", "sófanum", "m"),
    _n("hornsófi", "hornsófinn", "hornsófann", "hornsófa", "hornsófa", "hornsófanum", "m"),
    _n("svefnsófi", "svefnsófinn", "svefnsófann", "svefnsófa", "svefnsófa", "svefnsófanum", "m"),
    _n(
        "hægindastóll",
        "hægindastóllinn",
        "hægindastólinn",
        "hægindastól",
        "hægindastól",
        "hægindastólnum",
        "m",
    ),
    _n(
        "borðstofuborð",
        "borðstofuborðið",
        "borðstofuborðið",
        "borðstofuborð",
        "borðstofuborði",
        "borðstofuborðinu",
        "n",
    ),
    _n("sófaborð", "sófaborðið", "sófaborðið", "sófaborð", "sófaborði", "sófaborðinu", "n"),
    _n(
        "eldhúsinnrétting",
        "eldhúsinnréttingin",
        "eldhúsinnréttinguna",
        "eldhúsinnréttingu",
        "eldhúsinnréttingu",
        "eldhúsinnréttingunni",
        "f",
    ),
    _n("rúm", "rúmið", "rúmið", "rúm", "rúmi", "rúminu", "n"),
    _n("gólflampi", "gólflampinn", "gólflampann", "gólflampa", "gólflampa", "gólflampanum", "m"),
    _n("loftljós", "loftljósið", "loftljósið", "loftljós", "loftljósi", "loftljósinu", "n"),
    _n("gólfmotta", "gólfmottan", "gólfmottuna", "gólfmottu", "gólfmottu", "gólfmottunni", "f"),
    _n("skenkur", "skenkurinn", "skenkinn", "skenk", "skenk", "skenknum", "m"),
    _n("bókahilla", "bókahillan", "bókahilluna", "bókahillu", "bókahillu", "bókahillunni", "f"),
    _n(
        "borðstofustóll",
        "borðstofustóllinn",
        "borðstofustólinn",
        "borðstofustól",
        "borðstofustól",
        "borðstofustólnum",
        "m",
    ),
    _n("náttborð", "náttborðið", "náttborðið", "náttborð", "náttborði", "náttborðinu", "n"),
)
COLOURS: tuple[str, ...] = (
    "gráu",
    "dökkgráu",
    "ljósgráu",
    "svörtu",
    "hvítu",
    "dökkbláu",
    "mosagrænu",
    "sinnepsgulu",
    "brúnu",
    "beige",
)
# (nominative, where: with its own preposition, whither: "til" + genitive or its own preposition)
_PLACES = (
    ("Reykjavík", "í Reykjavík", "til Reykjavíkur"),
    ("Akureyri", "á Akureyri", "til Akureyrar"),
    ("Hafnarfjörður", "í Hafnarfirði", "til Hafnarfjarðar"),
    ("Kópavogur", "í Kópavogi", "í Kópavog"),
    ("Selfoss", "á Selfossi", "á Selfoss"),
    ("Egilsstaðir", "á Egilsstöðum", "til Egilsstaða"),
    ("Ísafjörður", "á Ísafirði", "til Ísafjarðar"),
    ("Reykjanesbær", "í Reykjanesbæ", "til Reykjanesbæjar"),
    ("Borgarnes", "í Borgarnesi", "í Borgarnes"),
    ("Vestmannaeyjar", "í Vestmannaeyjum", "til Vestmannaeyja"),
    ("Húsavík", "á Húsavík", "til Húsavíkur"),
    ("Garðabær", "í Garðabæ", "í Garðabæ"),
    ("Akranes", "á Akranesi", "á Akranes"),
    ("Hveragerði", "í Hveragerði", "til Hveragerðis"),
)
CITIES: tuple[dict[str, str], ...] = tuple(
    {"city": nom, "i_city": at, "til_city": to} for nom, at, to in _PLACES
)
PRICES: tuple[str, ...] = (
    "24.990 kr",
    "59.990 kr",
    "89.900 kr",
    "149.900 kr",
    "189.000 kr",
    "249.900 kr",
    "399.000 kr",
    "1.290.000 kr",
)
WHEN: tuple[str, ...] = ("á laugardaginn", "á morgun", "um helgina", "í næstu viku", "á fimmtudaginn")
# Shop names that read the same after "hjá" (dative) as in the nominative.
RIVALS: tuple[str, ...] = ("Mubluhöll Lóu", "Sófabúð Siggu", "Heimilisbúð Gunna", "Húsgagnabúð Nonna")
MALE_NAMES: tuple[str, ...] = (
    "Jón",
    "Gunnar",
    "Sigurður",
    "Guðmundur",
    "Einar",
    "Ólafur",
    "Kristján",
    "Magnús",
    "Stefán",
    "Jóhann",
    "Björn",
    "Arnar",
    "Þórður",
    "Hrafn",
    "Egill",
    "Aron",
    "Kári",
    "Ævar",
)
FEMALE_NAMES: tuple[str, ...] = (
    "Guðrún",
    "Anna",
    "Sigríður",
    "Kristín",
    "Margrét",
    "Helga",
    "Sigrún",
    "Ingibjörg",
    "Jóhanna",
    "Katrín",
    "Eva",
    "Sara",
    "Þórdís",
    "Birna",
    "Hildur",
    "Ásdís",
    "Elín",
    "Bryndís",
)
# Patronymics: (son of, daughter of) the same father.
SURNAMES: tuple[tuple[str, str], ...] = (
    ("Jónsson", "Jónsdóttir"),
    ("Magnússon", "Magnúsdóttir"),
    ("Guðmundsson", "Guðmundsdóttir"),
    ("Sigurðsson", "Sigurðardóttir"),
    ("Helgason", "Helgadóttir"),
    ("Einarsson", "Einarsdóttir"),
    ("Gunnarsson", "Gunnarsdóttir"),
    ("Ólafsson", "Ólafsdóttir"),
    ("Kristjánsson", "Kristjánsdóttir"),
    ("Stefánsson", "Stefánsdóttir"),
    ("Þórðarson", "Þórðardóttir"),
    ("Björnsson", "Björnsdóttir"),
    ("Pálsson", "Pálsdóttir"),
    ("Árnason", "Árnadóttir"),
    ("Friðriksson", "Friðriksdóttir"),
    ("Hauksson", "Hauksdóttir"),
    ("Egilsson", "Egilsdóttir"),
    ("Sveinsson", "Sveinsdóttir"),
)
DOUBLE_SURNAME_RATE = 0.0

COMMENT_LEADS: tuple[tuple[str, str], ...] = (
    ("price", "Hvað kostar {inn}?"),
    ("price", "verð á {num} í {colour}? 🙏"),
    ("price", "Hæhæ, hvað kostar {inn} í {colour}?"),
    ("price", "Er þetta ennþá á {price} eða var það bara á útsölunni?"),
    ("price", "hvað kostar {inn} með sendingu {til_city}?"),
    ("logistics", "Sendið þið {til_city}?"),
    ("logistics", "sendiði {til_city}?? og hvað tekur það langan tíma"),
    ("logistics", "Hvar er hægt að kaupa þetta? Er einhver sölustaður {i_city}?"),
    ("logistics", "Getið þið sent mér linkinn á {ann}? finn {pron_acc} ekki á síðunni"),
    ("logistics", "Má ég sækja {pron_acc} á lagerinn {when} eða er bara heimsending?"),
    ("availability", "Er {inn} til í {colour}?"),
    ("availability", "Hver eru málin á {num}? þarf að vita hvort {pron} komist inn um dyrnar hjá mér 😅"),
    ("availability", "Er þetta til á lager eða þarf að panta? 🤔"),
    ("availability", "Kemur {inn} aftur í {colour} fyrir jól?"),
    ("availability", "Er hægt að fá {ann} í stærri útgáfu?"),
    ("consultation", "Hvernig bóka ég ókeypis innanhússráðgjöfina? Mig langar að koma {when}"),
    ("consultation", "Get ég komið og skoðað {ann} {when}? þarf ég að panta tíma?"),
    (
        "consultation",
        "Við erum að taka stofuna alla í gegn, getur einhver frá ykkur komið {til_city} og gefið ráð?",
    ),
    ("consultation", "Getið þið gert tilboð í heila eldhúsinnréttingu? ca 12 fm"),
    ("contact", "Hringið endilega í mig, ég vil panta {acc} 📞"),
    ("contact", "Getur einhver úr söludeildinni sent mér skilaboð? Hef áhuga á {num} fyrir skrifstofuna"),
    ("contact", "Sendi ykkur póst varðandi {ann} áður en ég panta, getið þið svarað í dag?"),
    ("wish_to_own", "Ég vil fá {dem} í {colour}!! kem {when} og panta"),
    ("wish_to_own", "Okkur vantar akkúrat svona {acc} í nýju íbúðina, flytjum í næsta mánuði 😍"),
    ("wish_to_own", "Fer í körfuna í kvöld 😍 {inn} í {colour} passar fullkomlega hjá okkur"),
    ("recommendation", "Hverju mælið þið með fyrir litla stofu, {num} eða einhverju minna?"),
    ("recommendation", "Er að leita að {dat} fyrir litla íbúð, hverju mæliði með?"),
    ("recommendation", "Hvaða motta passar við sófa í {colour}? ætla að panta hvort tveggja"),
)

COMMENT_OTHER: tuple[tuple[str, str], ...] = (
    ("praise", "Geggjað!! 😍"),
    ("praise", "Ótrúlega fallegt allt saman, elska litina"),
    ("praise", "Síðan ykkar er alltaf svo mikill innblástur ✨"),
    ("praise", "Stíliseringin á þessari mynd 👌👌"),
    ("wishful", "Ef ég bara hefði efni á þessu 😭"),
    ("wishful", "einn daginn, þegar ég vinn í lottóinu 😂"),
    ("wishful", "í öðru lífi á ég svona stofu"),
    ("wishful", "bankareikningurinn minn segir nei 🥲"),
    ("tag_friend", "{friend} 👀"),
    ("tag_friend", "{friend} þetta er svo mikið þú haha"),
    ("tag_friend", "{friend} manstu gamla sófann okkar úr leiguíbúðinni 😂"),
    ("giveaway", "Komið ✅ like, deilt og merkti {friend} 🤞"),
    ("giveaway", "Tek þátt! 🍀 {friend}"),
    ("giveaway", "Væri æði að vinna 🙏 deildi í story"),
    ("complaint", "Það var rispa á {num} við afhendingu fyrir þremur vikum og enginn svarar póstunum mínum"),
    ("complaint", "Búin að bíða í 6 vikur eftir pöntuninni og enginn svarar í símann 😡"),
    ("complaint", "Halló, {inn} {minn} skemmdist eftir bara tvo mánuði, hvernig fæ ég þetta bætt?"),
    ("complaint", "Bíð enn eftir endurgreiðslu fyrir vöruna sem ég skilaði. Komið þessu í lag takk"),
    ("review", "Keyptum {ann} í fyrra og erum enn mjög ánægð, frábær gæði"),
    (
        "review",
        "Erum með {ann} í {colour} síðan í vor og þetta eru bestu kaup sem við höfum gert fyrir heimilið",
    ),
    ("review", "Búin að eiga þetta í tvö ár, smá slit en samt mjög gott. 4/5"),
    ("joke", "kötturinn minn er búinn að eigna sér þetta 😂"),
    ("joke", "Í alvöru, {inn} er með meiri stíl en ég 😂"),
    ("joke", "plantan í horninu er að gera allt hérna haha"),
    ("spam", "Græddu 50.000 kr á dag heima hjá þér!! sendu mér skilaboð 💸💸"),
    ("spam", "Crypto tips á prófílnum mínum 🚀🚀🚀"),
    ("spam", "Viltu fleiri fylgjendur? kíktu á bio-ið mitt"),
    ("politics", "Á meðan hækkar ríkisstjórnin skattana á öllu..."),
    ("politics", "Kjósum þau öll burt í næstu kosningum!!"),
    ("politics", "Það sem gerðist á Alþingi í vikunni er til skammar"),
    ("job_seeker", "Eruð þið að ráða? Er með 5 ára reynslu úr verslun og langar að vinna hjá ykkur"),
    ("job_seeker", "Vantar ykkur bílstjóra í útkeyrslu {i_city}? Sendi ferilskrá í síðustu viku"),
    ("job_seeker", "Takið þið nema í starfsnám? Ég er að læra innanhússarkitektúr"),
    ("competitor", "Sama vara á hálfvirði hjá {rival} 👉 linkur í bio"),
    ("competitor", "Það er risaútsala hjá {rival} núna, bara svona að segja það 😉"),
    ("chatter", "Fyrst!"),
    ("chatter", "Þvílíkt rigningaveður {i_city} í dag"),
    ("chatter", "Gleðilegan föstudag öll 🙌"),
)

POST_LEADS: tuple[tuple[str, str], ...] = (
    ("price", "veit einhver hvað {inn} úr nýju línunni kostar? finn hvergi verð"),
    (
        "price",
        "hvað kostar {inn} í {colour} í glugganum?? labbaði framhjá í dag og get ekki hætt að hugsa um þetta",
    ),
    ("price", "Er {inn} í alvöru á {price}? það er innan budgetsins hjá mér"),
    ("logistics", "sendið þið {til_city}? er alveg að fara að panta {acc}"),
    ("logistics", "Hvar get ég keypt {ann} úr póstinum ykkar í síðustu viku? linkur takk"),
    ("logistics", "Þarf að fá {acc} sent {til_city} fyrir mánaðamót, er það hægt?"),
    ("availability", "Er {inn} til á lager aftur? kíki á hverjum degi"),
    ("availability", "Er {inn} til í {colour}? vil fá {pron_acc} í nýju íbúðina"),
    ("availability", "Hver eru málin á {num}? þarf að athuga hvort {pron} komist fyrir"),
    ("consultation", "Hvernig bókar maður ókeypis innanhússráðgjöfina? væri til í tíma {when}"),
    ("consultation", "Er að spá í tilboð í nýja eldhúsinnréttingu, getur einhver komið og mælt {i_city}?"),
    ("contact", "getur einhver úr búðinni hringt í mig? vil panta {acc}"),
    ("contact", "Sendið mér skilaboð takk, hef áhuga á {num} fyrir nýju skrifstofuna"),
    ("wish_to_own", "Ákveðið: ég fæ mér {ann} í {colour}. fer í búðina {when} 🛋️"),
    ("wish_to_own", "Flyt eftir {n} vikur og mig vantar {acc} sem fyrst"),
    ("recommendation", "Með hverju mælið þið? Er að leita að {dat} undir {price}"),
    ("recommendation", "Hvaða húsgagnaverslun {i_city} mæliði með? þarf nýjan sófa fyrir sumarið"),
)

POST_OTHER: tuple[tuple[str, str], ...] = (
    ("praise", "Nýi sýningarsalurinn er ótrúlega fallegur 😍"),
    ("praise", "Myndirnar í nýjasta póstinum hjá þeim eru svo flottar"),
    ("wishful", "einn daginn á ég húsgögn sem kosta meira en bíllinn minn lol"),
    ("wishful", "Draumasófinn er til og ég hef ekki efni á honum 🥲"),
    ("tag_friend", "{friend} sjáðu þetta 😂 stofan þín í hnotskurn"),
    ("tag_friend", "{friend} manstu þegar við bárum gamla sófann þinn upp á 5. hæð í lyftulausu húsi 😂"),
    ("giveaway", "Tók þátt í gjafaleiknum 🤞 krossa fingur"),
    ("giveaway", "þátttaka í gjafaleik ✅ RT og merking komið"),
    ("complaint", "3 vikur síðan afhending átti að vera og ekkert bólar á pöntuninni. enginn svarar 😤"),
    ("complaint", "Pöntunin kom skemmd og þjónustuverið hunsar mig"),
    ("review", "Búin að eiga {ann} í hálft ár og enn mjög ánægð. góð gæði"),
    ("review", "Heiðarleg umsögn: flott vara, afhendingin var hæg. Samt 4/5"),
    ("joke", "hundurinn minn hefur ákveðið að {inn} sé hans. hann hefur ekki rangt fyrir sér"),
    ("joke", "fullorðinsárin: að verða spennt yfir {dat} haha"),
    ("spam", "🔥 ÓKEYPIS iPhone 🔥 smelltu á linkinn í bio"),
    ("spam", "Græddu á crypto, 300% ávöxtun tryggð, sendu DM"),
    ("politics", "Vextirnir hækka enn og þau kalla þetta bata. Ótrúlegt"),
    ("politics", "Sama hver vinnur kosningarnar, ekkert breytist fyrir leigjendur"),
    ("job_seeker", "Er að leita að vinnu í verslun eða á lager {i_city}, DM opin 🙏"),
    ("job_seeker", "Veit einhver hvort húsgagnaverslanir {i_city} séu að ráða? vantar vinnu strax"),
    ("competitor", "Risaútsala hjá {rival} um helgina, 40% afsláttur af öllu!! 👉 linkur í bio"),
    ("competitor", "{rival} var að opna {i_city}, kíkið í nýja sýningarsalinn okkar!"),
    ("chatter", "Mánudagur aftur. Kaffi fyrst ☕"),
    ("chatter", "Þvílíkt sólsetur {i_city} í kvöld"),
)

STORE_POSTS: tuple[str, ...] = (
    "Nýtt hjá okkur: {inn} í {colour} 🛋️ Komdu og skoðaðu í sýningarsalnum okkar {i_city}.",
    "Helgartilboð: 20% afsláttur af {num} fram á sunnudag ✨",
    "Opnunartími í vikunni: mán-fös 11-18, lau 11-16. Sjáumst!",
    "Ókeypis innanhússráðgjöf: bókaðu tíma á vefnum okkar 🏡",
    "Kynnum {ann} í {colour}, nú á {price}.",
    "Við erum að ráða! Vertu hluti af teyminu okkar {i_city}, nánar í bio.",
    "Sunnudagsstemning: rólegir morgnar og mjúkar mottur ☕",
    "GJAFALEIKUR! Líkaðu við póstinn og merktu vin til að eiga möguleika á að vinna {acc}. Dregið {when}.",
    "Aftur til á lager: {inn} sem þið hafið spurt svo mikið um 🙌",
    "Kíkt á bak við tjöldin á verkstæðinu 🔨",
    "Lokað á frídegi verslunarmanna, opnum aftur á þriðjudag.",
    "Nýja línan í {colour} er komin. Hvað er ykkar uppáhalds?",
)

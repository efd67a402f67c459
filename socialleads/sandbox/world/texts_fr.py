"""French words of the simulated social-media world: products, places, names and templates.

Pure data, read by :mod:`socialleads.sandbox.world.texts`. Product slots carry the article forms French needs,
elision included: ``{product}`` (canapé), ``{le}`` (le canapé / la table / l'armoire), ``{un}``, ``{du}``
(du / de la / de l'), ``{ce}`` (ce / cet / cette), ``{mon}`` (mon / ma), the subject pronoun ``{il}`` and
the object pronoun ``{pron}`` (le / la, only ever placed before a consonant). ``{colour}`` always follows
"en"; ``{when}`` is an adverbial ("samedi"). Other slots: ``{city}``, ``{friend}``, ``{price}``, ``{rival}``,
``{n}``.
"""

from __future__ import annotations


def _n(noun: str, gender: str) -> dict[str, str]:
    masculine = gender == "m"
    vowel = noun[0] in "aeiouéèêh"
    if vowel:
        le, du = f"l'{noun}", f"de l'{noun}"
    else:
        le, du = (f"le {noun}", f"du {noun}") if masculine else (f"la {noun}", f"de la {noun}")
    ce = ("cet" if vowel else "ce") if masculine else "cette"
    return {
        "product": noun,
        "le": le,
        "un": f"{'un' if masculine else 'une'} {noun}",
        "du": du,
        "ce": f"{ce} {noun}",
        "mon": f"{'mon' if masculine or vowel else 'ma'} {noun}",
        "il": "il" if masculine else "elle",
        "pron": "le" if masculine else "la",
    }


PRODUCTS: tuple[dict[str, str], ...] = (
    _n("canapé", "m"),
    _n("canapé d'angle", "m"),
    _n("canapé-lit", "m"),
    _n("fauteuil", "m"),
    _n("table à manger", "f"),
    _n("table basse", "f"),
    _n("cuisine", "f"),
    _n("lit", "m"),
    _n("lampadaire", "m"),
    _n("suspension", "f"),
    _n("tapis", "m"),
    _n("buffet", "m"),
    _n("bibliothèque", "f"),
    _n("chaise", "f"),
    _n("table de chevet", "f"),
    _n("armoire", "f"),
    _n("étagère", "f"),
)
COLOURS: tuple[str, ...] = (
    "gris anthracite",
    "vert sauge",
    "bleu nuit",
    "blanc cassé",
    "terracotta",
    "chêne clair",
    "gris perle",
    "jaune moutarde",
    "beige",
    "vert bouteille",
)
CITIES: tuple[dict[str, str], ...] = tuple(
    {"city": name}
    for name in (
        "Lyon",
        "Paris",
        "Marseille",
        "Toulouse",
        "Bordeaux",
        "Nantes",
        "Lille",
        "Strasbourg",
        "Montpellier",
        "Rennes",
        "Nice",
        "Grenoble",
        "Dijon",
        "Bruxelles",
        "Genève",
    )
)
PRICES: tuple[str, ...] = ("79 €", "249 €", "499 €", "899 €", "1 250 €", "1 899 €", "2400€", "649 euros")
WHEN: tuple[str, ...] = ("samedi", "demain", "ce week-end", "la semaine prochaine", "jeudi après-midi")
RIVALS: tuple[str, ...] = ("MeubloDiscount", "Canapé Express", "Maison Bazar", "DécoPasCher")
MALE_NAMES: tuple[str, ...] = (
    "Thomas",
    "Lucas",
    "Hugo",
    "Louis",
    "Nicolas",
    "Julien",
    "Maxime",
    "Théo",
    "Antoine",
    "Mathieu",
    "Jérôme",
)
FEMALE_NAMES: tuple[str, ...] = (
    "Camille",
    "Léa",
    "Chloé",
    "Manon",
    "Inès",
    "Julie",
    "Émilie",
    "Sarah",
    "Zoé",
    "Hélène",
    "Océane",
)
SURNAMES: tuple[tuple[str, str], ...] = tuple(
    (name, name)
    for name in (
        "Martin",
        "Bernard",
        "Dubois",
        "Robert",
        "Richard",
        "Petit",
        "Durand",
        "Leroy",
        "Moreau",
        "Lefèvre",
        "Girard",
        "Fontaine",
        "Mercier",
        "Bonnet",
        "Lemaître",
        "Chevalier",
    )
)
DOUBLE_SURNAME_RATE = 0.0

COMMENT_LEADS: tuple[tuple[str, str], ...] = (
    ("price", "C'est combien {le} ?"),
    ("price", "Prix {du} en {colour} svp 🙏"),
    ("price", "Bonjour ! Quel est le prix {du} en {colour} ?"),
    ("price", "C'est toujours à {price} ou c'était seulement pendant les soldes ?"),
    ("price", "combien pour {le} avec livraison à {city}?"),
    ("logistics", "Vous livrez à {city} ?"),
    ("logistics", "vous livrez sur {city}?? et c'est quoi les délais"),
    ("logistics", "On peut l'acheter où ? Vous avez un magasin près de {city} ?"),
    ("logistics", "Vous pouvez m'envoyer le lien {du} ? je {pron} trouve pas sur le site"),
    ("logistics", "Je peux {pron} récupérer à l'entrepôt {when} ou c'est livraison uniquement ?"),
    ("availability", "Bonjour, {le} existe en {colour} ?"),
    ("availability", "Quelles sont les dimensions {du} ? je veux être sûre que ça passe par la porte 😅"),
    ("availability", "C'est en stock ou sur commande ? 🤔"),
    ("availability", "Vous savez quand {le} en {colour} sera de retour en stock ?"),
    ("availability", "Y a-t-il une version plus grande {du} ?"),
    ("consultation", "Comment je réserve le conseil déco gratuit ? j'aimerais venir {when}"),
    ("consultation", "Je peux passer voir {le} en vrai {when} ? Il faut prendre rendez-vous ?"),
    ("consultation", "On refait tout notre salon, quelqu'un de votre équipe déco pourrait venir à {city} ?"),
    ("consultation", "Vous pouvez me faire un devis pour une cuisine complète ? environ 12 m²"),
    ("contact", "Appelez-moi svp, je voudrais commander {un} 📞"),
    (
        "contact",
        "Quelqu'un du service commercial peut m'écrire en MP ? Je suis intéressé par {le} pour nos bureaux",
    ),
    (
        "contact",
        "Je vous ai envoyé un mail au sujet {du} avant de commander, vous pouvez me répondre aujourd'hui ?",
    ),
    ("wish_to_own", "Je veux {ce} en {colour} !! je passe {when} pour commander"),
    (
        "wish_to_own",
        "Il nous faut exactement {un} comme ça pour le nouvel appart, on déménage le mois prochain 😍",
    ),
    ("wish_to_own", "Ça va dans mon panier ce soir 😍 {le} en {colour}, c'est pile ce qu'il nous faut"),
    (
        "recommendation",
        "Vous me conseillez quoi pour un petit salon, {le} ou quelque chose de plus compact ?",
    ),
    ("recommendation", "Je cherche {un} pour un petit appart, vous conseillez quoi ?"),
    ("recommendation", "Quel tapis irait avec un canapé en {colour} ? je veux commander les deux"),
)

COMMENT_OTHER: tuple[tuple[str, str], ...] = (
    ("praise", "Magnifique !! 😍"),
    ("praise", "Trop beau, j'adore le {colour}"),
    ("praise", "Votre page est toujours une source d'inspiration ✨"),
    ("praise", "La déco sur cette photo 👌👌"),
    ("wishful", "si seulement je pouvais me l'offrir 😭"),
    ("wishful", "un jour, quand j'aurai gagné au loto 😂"),
    ("wishful", "dans une autre vie j'aurai un salon comme ça"),
    ("wishful", "mon compte en banque a dit non 🥲"),
    ("tag_friend", "{friend} 👀"),
    ("tag_friend", "{friend} c'est tellement toi mdr"),
    ("tag_friend", "{friend} tu te souviens de notre vieux canapé de coloc 😂"),
    ("giveaway", "Fait ✅ like, partage et j'invite {friend} 🤞"),
    ("giveaway", "Je participe ! 🍀 {friend}"),
    ("giveaway", "J'adorerais gagner 🙏 partagé en story"),
    (
        "complaint",
        "Livraison reçue il y a trois semaines avec une rayure et toujours aucune réponse à mes mails",
    ),
    ("complaint", "Ça fait 6 semaines que j'attends ma commande, personne ne décroche 😡"),
    ("complaint", "J'ai un souci avec {mon} après seulement deux mois, comment je contacte le SAV ?"),
    ("complaint", "J'attends toujours le remboursement de mon retour. C'est inadmissible"),
    ("review", "On a {le} depuis un an, rien à redire, super qualité"),
    ("review", "Nous avons {le} en {colour} depuis le printemps, meilleur achat pour la maison"),
    ("review", "Deux ans d'utilisation, quelques traces d'usure mais toujours top. 4/5"),
    ("joke", "mon chat a déjà pris possession des lieux 😂"),
    ("joke", "franchement {le} a plus de style que moi 😂"),
    ("joke", "la plante dans le coin fait tout le travail mdr"),
    ("spam", "Gagnez 500€ par jour depuis chez vous !! écrivez-moi en MP 💸💸"),
    ("spam", "Signaux crypto sur mon profil 🚀🚀🚀"),
    ("spam", "Plus d'abonnés ? regardez ma bio"),
    ("politics", "Pendant ce temps le gouvernement augmente encore les impôts..."),
    ("politics", "Tous dehors aux prochaines élections !!"),
    ("politics", "Ce qui s'est passé à l'Assemblée cette semaine, honteux"),
    (
        "job_seeker",
        "Vous recrutez ? J'ai 5 ans d'expérience dans la vente et j'aimerais beaucoup rejoindre l'équipe",
    ),
    ("job_seeker", "Vous cherchez des livreurs sur {city} ? J'ai envoyé mon CV la semaine dernière"),
    ("job_seeker", "Vous prenez des stagiaires ? Je suis en école d'architecture d'intérieur"),
    ("competitor", "Le même modèle à moitié prix chez {rival} 👉 lien dans ma bio"),
    ("competitor", "Grosse promo chez {rival} en ce moment, je dis ça je dis rien 😉"),
    ("chatter", "Premier !"),
    ("chatter", "Quelle journée pluvieuse à {city} aujourd'hui"),
    ("chatter", "Bon vendredi à tous 🙌"),
)

POST_LEADS: tuple[tuple[str, str], ...] = (
    ("price", "quelqu'un sait combien coûte {le} de la nouvelle collection ? impossible de trouver les prix"),
    (
        "price",
        "c'est combien {le} en {colour} en vitrine ?? je suis passée devant aujourd'hui et j'y pense encore",
    ),
    ("price", "Sérieux, {le} est à {price} ? ça rentre dans mon budget"),
    ("logistics", "vous livrez à {city} ? je suis sur le point de commander {un}"),
    ("logistics", "Où est-ce que je peux acheter {le} de votre post de la semaine dernière ? lien svp"),
    ("logistics", "J'ai besoin de me faire livrer {un} à {city} avant la fin du mois, c'est faisable ?"),
    ("availability", "Est-ce que {le} est de nouveau en stock ? je vérifie tous les jours"),
    ("availability", "Est-ce que {le} existe en {colour} ? c'est pour le nouvel appart"),
    ("availability", "Quelles sont les dimensions {du} ? je dois vérifier que ça rentre"),
    ("consultation", "Comment on réserve le conseil déco gratuit ? un créneau {when} ce serait idéal"),
    (
        "consultation",
        "J'aimerais un devis pour une nouvelle cuisine, quelqu'un peut venir prendre les mesures à {city} ?",
    ),
    ("contact", "quelqu'un du magasin peut me rappeler ? je veux commander {un}"),
    ("contact", "Écrivez-moi en MP svp, je suis intéressée par {le} pour le nouveau bureau"),
    ("wish_to_own", "C'est décidé : je prends {le} en {colour}. je passe au magasin {when} 🛋️"),
    ("wish_to_own", "On déménage dans {n} semaines et il me faut {un} au plus vite"),
    ("recommendation", "Je cherche des recommandations : {un} à moins de {price}, des idées ?"),
    ("recommendation", "Quel magasin de meubles vous conseillez à {city} ? il me faut un canapé avant l'été"),
)

POST_OTHER: tuple[tuple[str, str], ...] = (
    ("praise", "Le nouveau showroom est vraiment magnifique 😍"),
    ("praise", "J'adore comment ils ont mis en scène {le} en {colour} dans leur dernier post"),
    ("wishful", "un jour j'aurai des meubles qui coûtent plus cher que ma voiture mdr"),
    ("wishful", "Voilà, {le} de mes rêves existe et je peux pas me {pron} payer 🥲"),
    ("tag_friend", "{friend} regarde ça 😂 c'est ton salon"),
    ("tag_friend", "{friend} tu te souviens quand on a monté ton vieux canapé au 5e sans ascenseur mdr"),
    ("giveaway", "J'ai participé au concours 🤞 croisons les doigts"),
    ("giveaway", "participation au concours ✅ RT et identification faits"),
    ("complaint", "3 semaines après la date de livraison et toujours rien. ni téléphone ni mail 😤"),
    ("complaint", "Ma commande est arrivée abîmée et le service client m'ignore"),
    ("review", "6 mois avec {le} et toujours contents. très bonne qualité"),
    ("review", "Avis honnête : {le} est superbe, la livraison était lente. 4/5 quand même"),
    ("joke", "mon chien a décidé que {le} était à lui. il n'a pas tort"),
    ("joke", "être adulte c'est être tout excité pour {un} mdr"),
    ("spam", "🔥 iPhone GRATUIT 🔥 clique sur le lien dans ma bio"),
    ("spam", "Deviens riche avec la crypto, 300% garantis, écris-moi"),
    ("politics", "Les taux remontent encore et ils appellent ça la reprise. Incroyable"),
    ("politics", "Peu importe qui gagne l'élection, rien ne change pour les locataires"),
    ("job_seeker", "Je cherche du travail en magasin ou en entrepôt sur {city}, DM ouverts 🙏"),
    (
        "job_seeker",
        "Quelqu'un sait si les magasins de meubles recrutent à {city} ? j'ai besoin d'un job vite",
    ),
    ("competitor", "Grosses soldes chez {rival} ce week-end, tout à -40% !! 👉 lien en bio"),
    ("competitor", "{rival} vient d'ouvrir à {city}, venez découvrir notre nouveau showroom !"),
    ("chatter", "Encore lundi. Café d'abord ☕"),
    ("chatter", "Quel coucher de soleil ce soir à {city}"),
)

STORE_POSTS: tuple[str, ...] = (
    "Nouveauté : {le} en {colour} 🛋️ Disponible dans notre showroom à {city}.",
    "Offre du week-end : -20 % sur {le} jusqu'à dimanche ✨",
    "Horaires cette semaine : lun-ven 10h-19h, sam 10h-18h. À bientôt !",
    "Conseil déco gratuit : réservez votre rendez-vous sur notre site 🏡",
    "On vous présente {le} en {colour}, maintenant à {price}.",
    "On recrute ! Rejoignez notre équipe à {city}, lien en bio.",
    "Dimanche tout doux : grasses matinées et tapis moelleux ☕",
    "CONCOURS ! Likez ce post et identifiez un ami pour gagner {un}. Tirage au sort {when}.",
    "De retour en stock : {le} que vous nous réclamiez tant 🙌",
    "Un petit tour dans notre atelier 🔨",
    "Fermé le lundi férié, on se retrouve mardi.",
    "Notre collection en {colour} est arrivée. Quelle est votre pièce préférée ?",
)

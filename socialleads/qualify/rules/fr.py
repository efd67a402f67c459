"""French buying-intent rules (France, Belgium, Québec; folded, lower-case text: 'où' → 'ou', 'ça' → 'ca').

Questions to a business are mostly "vous …" or inverted ("avez-vous", "livrez-vous"), with chat
shorthand ("c combien", "dispo", "en mp", "svp").
"""

from __future__ import annotations

from socialleads.qualify.rules.base import Rule, noun_ask, rules

_VOUS_VERB = (
    r"(faites|proposez|vendez|avez|prenez|acceptez|installez|reparez|livrez|accompagnez|reprenez|organisez|"
    r"gerez|travaillez|intervenez|couvrez|assurez|deplacez|offrez|louez|donnez|fabriquez|expediez|envoyez)"
)

RULES: tuple[Rule, ...] = (
    *rules(
        "price",
        r"\b(combien|cb|cbien)\b",
        *noun_ask("prix|tarifs?|cout", "svp|stp|s'il vous plait|en mp|en prive|pls", "du|de|des|pour|et|en"),
        r"\bquel (est le |serait le )?(prix|tarif|cout)\b|\bvos (prix|tarifs)\b(?=[^.!]{0,30}\?)",
        r"\b(toujours|encore) a \d[\d\s.,]*(€|eur|euros)"
        r"|\b(etait|c'etait) (seulement |juste )?(pendant )?les soldes\b(?=.{0,20}\?)|"
        r"\b(ca|ils|elle|il) (coute|coutent)\b|\ben plusieurs fois\b|\bmensualit\w*\b|\bfinancement\b",
    ),
    *rules(
        "logistics",
        r"\b(livrez|expediez|frais de port|click (and|&) collect|retrait en magasin)\b",
        r"\b(livraison|livrer|expedition|expedier|envoi|recuperer|retirer)\b(?=[^.!]{0,50}\?)",
        r"\bou\b.{0,25}\b(acheter|trouver|commander|procurer|dispo\w*)\b",
        r"\b(acheter|trouver|commander|procurer)\b.{0,20}\bou\b",
        r"\ben (stock|magasin|boutique)\b(?=.{0,30}\?)|\b(rupture|reassort|reappro\w*|de retour en stock)\b",
        r"\b(lien|le lien)\b.{0,12}(\?|svp|stp|pls)",
        r"\b(se commande|commander|acheter|reserver) comment\b|\bcomment (commander|acheter|reserver|"
        r"s'inscrire)\b",
        label="asks how to get it",
    ),
    *rules(
        "logistics",
        r"\b(heures? d'?ouverture|horaires)\b|\b(etes|êtes)[- ]vous ouverts?\b|\bouvert(s)? (le|les|ce|"
        r"dimanche|"
        r"samedi|lundi|demain)\b(?=.{0,30}\?)",
        label="asks when they can come in",
        weight=1.6,
    ),
    *rules(
        "availability",
        r"\b(toujours|encore) (dispo\w*|disponible\w*|en vente|libre\w*|a vendre)\b|\bdispo\w*\s*\?",
        r"\bdisponibilit\w*\b|\bde libre\b",
        r"\b(en|de) taille\b|\btailles?\b(?=.{0,30}\?)|\b(en|quelle|d'autres|autres) (couleurs?|tailles?|"
        r"pointures?)\b",
        r"\ben (bleu|noir|blanc|rouge|vert|gris|rose|beige|marine|marron)\b(?=.{0,20}\?)",
        r"\bvous (l'|le |la |les )?(avez|auriez)\b.{0,25}\ben\b",
        r"\bil (vous )?reste (de la place|des places|une place|des|de la)\b|\breste[- ]t[- ]il\b",
        r"\b(compatible|s'integre|integration|kilometrage|dimensions)\b(?=.{0,30}\?)",
        r"\b(existe[- ]t[- ](il|elle)|elle existe|il existe)\b (aussi |encore )?en (?!(19|20)\d\d)\w+",
        r"\b(est|sont|etes|c'est) (\w+ )?(dispo|disponibles?)\b",
        r"\bexiste (aussi |encore |egalement )?en (?!(19|20)\d\d)\w+(?=[^.!]{0,40}\?)",
        r"\by a[- ]t[- ]il (un|une|des|d'autres) (version|modele|taille|coloris|format|couleur)s?\b",
        r"\b(version|taille|modele|format) plus (grand|petit|large|long)e?s?\b(?=[^.!]{0,40}\?)",
        r"\b(inclus|compris)\b(?=.{0,15}\?)",
        label="asks about availability or specs",
    ),
    *rules(
        "booking",
        r"\b(devis|essai|essayer|demo|demonstration|rdv|rendez[- ]vous|reserv\w*|estimation|estimer|visite|"
        r"visiter|consultation|seance d'essai|cours d'essai)\b",
        r"\b(je|nous|on) (\w+ ){0,2}(reserver|prendre rendez[- ]vous|prendre rdv|inscrire|m'inscrire)\b",
        r"\b(prenez|acceptez)[- ]?(vous )?(encore )?(de |des )?(nouveaux )?(patients|clients|eleves|"
        r"reservations)\b",
        r"\bcomment (on |je |peut[- ]on |puis[- ]je )?(prend|prendre|reserve|fixe|fixer|obtenir|obtient) "
        r"(un |le )?(rendez[- ]vous|rdv|creneau|conseil\w*)\b",
        r"\b(quelqu'un|un conseiller|une conseillere|un de vos \w+) (\w+ ){0,5}(peut|pourrait|pourriez) "
        r"(venir|passer|se deplacer)\b",
        r"\b(venir |passer )?a domicile\b(?=[^.!]{0,40}\?)|\bvenir chez (nous|moi)\b",
        r"\b(conseil\w*|accompagnement)\b (en |de |d')?(deco\w*|amenagement|interieur)\b",
    ),
    *rules(
        "contact",
        r"\b(rappelez|appelez|contactez|ecrivez|recontactez)[- ]moi\b|\b(me|nous) (rappeler|contacter|"
        r"recontacter)\b",
        r"\bm'(appeler|envoyer|ecrire)\b|\benvoyez[- ](moi|nous)\b|\bvous pouvez m'envoyer\b",
        r"\b(en|par) (mp|dm|prive|message prive|inbox)\b|\bplus d'(info|infos|informations)\b",
        r"\b(infos?|informations)\b\s*(svp|stp|\?)",
    ),
    *rules(
        "purchase",
        r"\b(je (veux|voudrais|cherche|recherche|prends|prendrais|suis interesse\w*|reflechis)|on (cherche|"
        r"veut|"
        r"hesite|aimerait|voudrait|vise)|nous (cherchons|voudrions|souhaitons)|j'aimerais|je souhaiterais|"
        r"je souhaite)\b",
        r"\binteresse\w*\b|\bj'ai besoin (d'|de)\b|\bbesoin (d'un|d'une|de)\b",
        r"\b(je la prends|je le prends|je craque|vendu)\b|\breprenez[- ]vous\b|\b(reprise de)\b",
    ),
    *rules(
        "recommend",
        r"\b(vous )?(me |nous )?(conseillez|recommandez|recommanderiez|conseilleriez)\b",
        r"\bquel(le)? (modele|taille|formule|offre) (choisir|prendre)\b|\blequel (choisir|prendre)\b",
        r"\b(un )?conseil\b(?=.{0,30}\?)|\bca vaut le coup\b",
    ),
    *rules(
        "offer",
        rf"\bvous (me |nous |en )?{_VOUS_VERB}\b",
        r"\b(faites|proposez|avez|vendez|prenez|acceptez|livrez|installez|reprenez|accompagnez)[- ]vous\b",
        r"\best[- ]ce (que|qu'on|qu'il|qu'elle) (vous|c'est|ca|on peut|il y a)\b",
        r"\b(on peut|peut[- ]on|possible de)\b(?=.{0,40}\?)",
    ),
    # --- evidence against ---
    *rules(
        "giveaway",
        r"\b(je participe|participe|concours|jeu concours|tirage au sort|je tente ma chance|"
        r"tente ma chance)\b",
    ),
    *rules(
        "complaint",
        r"\b(sav|service client|rembours\w*|toujours (pas|rien|aucun\w*)|aucune? (nouvelle|reponse|"
        r"retour))\b",
        r"\b(personne ne (repond|rappelle|me)|jamais recu|pas recu|en panne|panne|(?<!blanc )casse|"
        r"arnaque|honteux)\b",
        r"\b(inadmissible|decu|decue|decevant|deconseille|reclamation|plainte|resili\w*|prelev\w*)\b",
        r"\b(commande passee|numero de commande|ma commande|le suivi|garantie|j'attends|d'attente|dossier)\b",
    ),
    *rules(
        "review",
        r"\b(merci (a|pour|beaucoup)|achete(e|es|s|ees)?(?!r)|je l'ai (pris|prise|achete)|rien a redire|"
        r"au top|je recommande)\b",
        r"\bavis (honnete|sincere|client)\b|\b\d(,5)?/(5|10)\b|\b(etait|a ete|etaient) (\w+ )?(lente?s?|"
        r"rapide|parfaite?|impeccable|nickel|top|correcte?)\b",
        r"\b(installes|venus|on y a passe|le meilleur|la meilleure|top service|on a adore)\b",
    ),
    *rules(
        "wishful",
        r"\b(un jour|de mes reves|de nos reves|si seulement|le jour ou|loto|quand (je|j'|on) (serai|aurai|"
        r"sera|aura))\b",
    ),
    *rules(
        "spam",
        r"\b(felicitations\b.{0,40}\bselectionn\w*|cliquez|allez voir chez|venez chez|"
        r"on vous fait un meilleur prix)\b",
        r"\b(gagnez|suivez[- ]moi|abonnez[- ]vous)\b",
    ),
    *rules(
        "job",
        r"\b(vous recrutez|recrutez[- ]vous|vous cherchez des|stagiaires?|alternance|candidature|"
        r"embauche\w*)\b",
        r"\b(cv|job|emploi|diplome\w* (en|d'|de))\b",
    ),
    *rules(
        "purchase",
        r"\bje prends (le|la|les|l')|\bc'est decide\b|\bje (vais|compte) (acheter|commander|prendre)\b",
        r"\bil (me|nous) faut (\w+ )?(un|une|des|le|la) \w+",
        r"\b(dans|au) (mon|notre|le) panier\b",
        r"\bdans (mon|notre) budget\b|\bavant (de |d')(commander|acheter|reserver)\b",
        weight=2.2,
        label="says they are buying",
    ),
    *rules(
        "logistics",
        r"\b(je|on|nous) (passe|passerai|passons|vais|viens|viendrai|venons|irai) (\w+ ){0,2}(au|en|a la|"
        r"dans votre|chez vous au) (magasin|showroom|boutique|entrepot)\b",
        label="says they are coming to the shop",
        weight=1.6,
    ),
    *rules(
        "timeline",
        r"\b(le plus (vite|tot) possible|au plus vite|des que possible|urgent|avant la fin du mois|"
        r"d'ici (la fin du mois|(la semaine|samedi|lundi) prochaine?))\b",
        r"\b(on demenage|nous demenageons|je demenage|demenagement)\b|\b(nouvel|nouveau) (appart\w*|"
        r"logement)\b|\bnouvelle maison\b",
    ),
    *rules("job", r"\b(je )?cherche (du|un) (travail|emploi|job|poste|stage)\b"),
)

"""Portuguese buying-intent rules (Brazil and Portugal; folded, lower-case text: 'preço' → 'preco').

Brazilian chat writes "vcs", "vc", "pfv", "pra", "tô"; Portugal writes "vocês", "moradia", "orçamento".
"""

from __future__ import annotations

from socialleads.qualify.rules.base import Rule, noun_ask, rules

_THEY_VERB = (
    r"(fazem|faz|tem|tem|vendem|vende|atendem|atende|aceitam|aceita|entregam|entrega|trabalham|trabalha|"
    r"instalam|instala|oferecem|oferece|possuem|consertam|alugam|financiam|enviam|envia|cobrem|organizam)"
)

RULES: tuple[Rule, ...] = (
    *rules(
        "price",
        r"\bquanto (\w+ ){0,2}(custa|custam|fica|ficaria|sai|saem|seria|cobra\w*|e|esta|ta|vale)\b",
        r"\b(qual|quais) (o|e o|seria o|os) (valor|valores|preco|precos)\b|\btabela de precos\b",
        *noun_ask(
            "valor|valores|preco|precos|vlr",
            "pfv|por favor|pf|pls|inbox|no direct|no privado|dm",
            "do|da|de|dos|das|para|pra|e|no|na",
        ),
        r"\b(mensalidade|parcel\w*|prestac\w*|financiamento|a prestacoes|sem juros)\b",
    ),
    *rules(
        "logistics",
        r"\b(entregam|fazem entrega|envia(m)? (para|pra)|retirar na loja)\b",
        r"\b(entrega|frete|envio|retirada)\b(?=[^.!]{0,40}\?)",
        r"\bonde\b.{0,25}\b(compr\w*|encontr\w*|acho|achar|vende\w*|consigo|arranj\w*)\b",
        r"\b(em estoque|estoque|esgotad\w*|repor|reposicao|volta(r)? a ter)\b(?=.{0,30}\?)",
        r"\blink\b.{0,12}(\?|pfv|por favor|pls)",
        label="asks how to get it",
    ),
    *rules(
        "logistics",
        r"\bhorario\w* (de funcionamento|de atendimento)\b|\b(abrem|fecham|abre|fecha) (que|a que) horas\b|"
        r"\bque horas (abre|abrem|fecha|fecham)\b|\bestao abert[oa]s\b",
        label="asks when they can come in",
        weight=1.6,
    ),
    *rules(
        "availability",
        r"\b(ainda )?(disponive(l|is)|a venda)\b|\bdisponibilidade\b",
        r"\b(tem|tens|teria) (no|na|em) (tamanho|cor|preto|branco|azul|\w+)\b|\btamanho\w*\b|\bnumeracao\b",
        r"\b(na|no|em) (cor|preto|branco|azul|vermelho|verde|cinza|rosa|bege|marrom)\b(?=.{0,20}\?)|"
        r"\bcores\b",
        r"\b(quilometragem|km rodados|medidas|dimensoes)\b",
        r"\baceita\w* (troca|pets?|cachorro|cao|caes|cartao|pix|convenio|plano)\b|\batendem (pelo|o|a) \w+\b",
        r"\b(integra|integracao) (com)?\b|\bcompativel com\b|\b(incluid[oa]s?|inclui)\b(?=.{0,20}\?)",
        r"\b(data|vaga|vagas|horario|horarios|turma|mesa|quarto|lugar) (livre|disponive\w*|para|pra|aos|no|"
        r"na)\b",
        label="asks about availability or specs",
    ),
    *rules(
        "booking",
        r"\b(agendar|agendamento|marcar|marcacao|reserv\w*|visita|orcamento|cotac\w*|aula experimental|"
        r"experimental|test drive|demonstrac\w*|demo|consulta|avaliac\w*)\b",
        r"\b(da|dá) (pra|para) (fazer|marcar|agendar|reservar|visitar|testar)\b",
        r"\b(como|onde) (faco|faço|posso) (pra |para )?(me )?(inscrever|matricular|cadastrar|assinar)\b",
    ),
    *rules(
        "contact",
        r"\bme (chama|chamem|liga|liguem|manda|mandem|envia|enviem|passa|passem|contat\w*)\b",
        r"\b(no|pelo|por) (direct|privado|pv|inbox|dm|whats|whatsapp)\b|\bchama (no|na)\b",
        r"\bmais (info|informac\w*)\b|\b(entra|entrem|entre) em contato\b",
    ),
    *rules(
        "purchase",
        r"\b(quero|queria|gostaria|preciso|precisamos|to precisando|estou precisando|procuro|"
        r"estou procurando|"
        r"estamos procurando|estamos avaliando|estamos pensando|vou comprar)\b",
        r"\b(tenho|temos) interesse\b|\binteressad[oa]s?\b|\b(aceita|aceitam) troca\b",
    ),
    *rules(
        "recommend",
        r"\b(voces|vcs|vc)? ?(recomendam|indicam|sugerem|recomenda|indica)\b(?=.{0,40}\?)",
        r"\b(qual|quais|que)\b.{0,25}\b(recomend\w*|indica\w*|sugere\w*)\b|\bindicac\w*\b(?=.{0,20}\?)",
    ),
    *rules(
        "offer",
        rf"\b(voces|vcs|vc|voce|o senhor|a senhora)? ?{_THEY_VERB}\b(?=[^?.!]{{0,60}}\?)",
    ),
    # --- evidence against ---
    *rules("giveaway", r"\b(participando|quero participar|sorteio|concorrendo|to participando)\b"),
    *rules(
        "complaint",
        r"\b(reclame aqui|reclamac\w*|reembolso|estorno|decepcionad\w*|pessim\w*|vergonha|absurdo)\b",
        r"\bninguem (me )?(responde|retorna|atende|resolve|liga)\b|\bate hoje\b|\bfora do ar\b",
        r"\bnao (chegou|funciona|funcionava|responde|resolve\w*|voltamos|volto|recomendo)\b",
        r"\b(parado|defeito|quebr\w*|garantia|cancelar|cancelei|cobrad\w*|atrasad\w*|sinistro|suporte)\b",
    ),
    *rules(
        "review",
        r"\b(comprei|compramos|fiz|fizemos|fomos|ficou (perfeito|otimo|lindo|top)|recomendo)\b",
        r"\b(obrigad[oa] (a|pelo|pela)|nota 10|melhor \w+ (do|da|de))\b",
    ),
    *rules(
        "wishful",
        r"\b(um dia|sonho\w*|dos sonhos|sem dinheiro|loteria|mega[- ]sena|quando eu ficar ric\w*)\b",
    ),
    *rules("spam", r"\b(ganhe dinheiro|renda extra|siga[- ]me|me segue|trabalhe em casa)\b"),
    *rules(
        "job",
        r"\b(contratando|vagas? de emprego|curriculo|estagio|emprego|trabalhar com voces|"
        r"anos de experiencia)\b",
    ),
    # A visit from the business, how to book.
    *rules(
        "booking",
        r"\b(alguem|algum \w+) (\w+ ){0,4}(pode|poderia|podem|poderiam) (vir|passar)\b|\bvisita (a domicilio|"
        r"tecnica)\b",
        r"\bcomo (eu )?(agendo|marco|reservo|faco (pra|para) (agendar|marcar|reservar))\b",
    ),
)

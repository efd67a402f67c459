"""Spanish buying-intent rules (Spain and Latin America; folded, lower-case text: 'cuánto' → 'cuanto').

Covers tú/vosotros/ustedes forms ("tienen", "tenéis", "tenés") and chat shorthand ("x dm", "porfa", "q").
"""

from __future__ import annotations

from socialleads.qualify.rules.base import Rule, noun_ask, rules

_YOU_VERB = (
    r"(hacen|haceis|haces|ofrecen|ofreceis|ofreces|venden|vendeis|vendes|trabajan|trabajais|atienden|"
    r"instalan|instalais|llevan|llevais|cubren|aceptan|aceptais|reparan|arreglan|dan|dais|tienen|teneis|"
    r"tenes|tienes|organizan|alquilan|financian|reciben|toman|asesoran|imparten|dictan|preparan)"
)

RULES: tuple[Rule, ...] = (
    *rules(
        "price",
        r"\bcuanto (\w+ ){0,2}(cuesta|cuestan|sale|salen|vale|valen|cobr\w+|seria|costar\w*|es|son|esta|"
        r"estan|"
        r"me (sale|cuesta|costaria)|saldria)\b",
        *noun_ask(
            "precios?|tarifas?|costos?|valor",
            "porfa|por favor|pls|x dm|por dm|al privado|md|dm|info",
            "del|de|de la|de los|para|y|en|x|por",
        ),
        r"\b(que|cual es el|cual seria el) (precio|costo|valor)\b|\blista de precios\b",
        r"\b(cuotas|financiacion|financiamiento|a plazos|meses sin intereses|mensualidad|pago mensual)\b",
        r"\bsigue (siendo )?(a|en) \d|\besta a \d[\d.,]* ?(€|eur|euros|\$)|"
        r"\b(era|es) solo (en|de|por) (rebajas|oferta|promo\w*)\b",
        r"\b(sigue|sigue siendo|se mantiene|vale|esta vigente) (el|ese|este) (precio|descuento|oferta)\b"
        r"|\b(precio|oferta|descuento) (sigue|todavia|aun) (vigente|valido|en pie)\b",
    ),
    *rules(
        "logistics",
        r"\b(hacen|haceis|realizan|tienen|hay) (envios?|entregas?|delivery|despachos?)\b",
        r"\benv(i|í)(an|ais|as|os)\b|\b(envios?|entregas?|despachos?) (a|al|para|en|"
        r"hasta)\b(?=[^.!]{0,40}\?)",
        r"\ba domicilio\b(?=[^.!]{0,40}\?)",
        r"\bdonde\b.{0,25}\b(compr\w*|consig\w*|encuentr\w*|encontrar\w*|vend\w*|adquirir\w*|pedir\w*)\b",
        r"\b(en stock|hay stock|stock\s*\?|reposicion|reponen|repongan|vuelve a (estar|haber|entrar))\b",
        r"\bcuando (vuelve|vuelven|llega|llegan|entra|entran|sale|salen) (a|el|la|los|las|de|al|stock)\b",
        r"\b(link|enlace)\b.{0,12}(\?|porfa|por favor|pls)",
        r"\bcuanto (tarda|demora)\w* (en llegar|el envio|la entrega)\b",
        label="asks how to get it",
    ),
    *rules(
        "logistics",
        r"\b(horarios?|a que hora) (abren|cierran|de atencion|del|de apertura)\b|\b(abren|abris) (el|los|hoy|"
        r"manana)\b",
        label="asks when they can come in",
        weight=1.6,
    ),
    *rules(
        "availability",
        r"\b(sigue|siguen|esta|estan|aun|todavia|queda|quedan) (\w+ )?disponibles?\b",
        r"\bdisponibilidad\b|\b(tienes|tienen|teneis|hay) (\w+ )?(libre|disponible)s?\b",
        r"\b(en|de) talla\b|\btallas?\b|\bque (talla|color|medida|modelo)\b|\bmedidas\b|\bkilometraje\b",
        r"\b(en|de) (color|negro|blanco|azul|rojo|verde|gris|rosa|beige|marron)\b(?=.{0,20}\?)|\bcolores\b",
        r"\b(lo|la|los|las) (tienen|tenes|tienes|teneis|hay) en\b",
        r"\b(viene|vienen|existe|existen|lo hay|la hay) (tambien )?en\b(?=[^.!]{0,40}\?)|\b(otros|otro|que) "
        r"(tamanos?|modelos?|colores|acabados)\b",
        r"\b(hay|quedan|queda|tienen|tenes|tienes|teneis) (lugar|lugares|mesa|cupo|cupos|plazas?|"
        r"habitacion\w*|"
        r"turnos?|citas?|entradas|hora|horas)\b",
        r"\b(esta |estan )?(incluid[oa]s?|incluye)\b(?=.{0,30}\?)|\bintegra(cion)? con\b|\bcompatible con\b",
        r"\b(aceptan|aceptais|se aceptan|se puede ir con|admiten) (mascotas|perros|gatos|ninos|tarjeta)\b",
        label="asks about availability or specs",
    ),
    *rules(
        "booking",
        r"\b(turno|cita|reserva|reservacion|demo|demostracion|prueba gratis|clase de prueba|clase gratis|"
        r"presupuesto|cotizacion|tasacion|tasaciones|valoracion|visita|consulta|asesoria)\b(?=.{0,40}\?)",
        r"\b(quiero|quisiera|queria|me gustaria|podria|puedo|se puede|podemos|necesito|"
        r"quisieramos) (\w+ ){0,2}"
        r"(reservar|agendar|pedir|sacar|solicitar|probar|visitar|ver|cotizar|una cita|un turno|presupuesto|"
        r"una demo|una reserva)\b",
        r"\b(me|nos) (cotizan|cotizas|cotizais|pueden cotizar|podeis cotizar|hacen un presupuesto)\b",
        r"\b(agendar|reservar|cotizar)\b|\bpresupuesto (para|de)\b",
        r"\b(aceptan|atienden|toman|reciben) (nuevos )?(pacientes|clientes|alumnos|reservas)\b",
        r"\b(donde|como) (me )?(inscribo|apunto|registro)\b|\bme (inscribo|apunto)\b",
        r"\bcomo (hago|puedo|se puede) (para )?(contratar|comprar|pedir|reservar|suscribir\w*|inscribir\w*|"
        r"adquirir|encargar)\b",
        r"\bcomo (se reserva|se pide|se agenda|reservo|agendo|pido) (una |la |el )?(cita|turno|hora|"
        r"asesoria|visita|consulta)?\b",
        r"\b(podria|puede|pueden|podeis|podrian) (venir|pasar|acercarse) (alguien|alguno|un \w+)\b|"
        r"\b(alguien|alguno) (\w+ ){0,5}(podria|puede) (venir|pasar|acercarse)\b",
        r"\b(asesoramiento|asesor\w*|visita a domicilio|medicion a domicilio)\b(?=[^.!]{0,50}\?)",
    ),
    *rules(
        "contact",
        r"\b(llamenme|llamame|llameme|contactenme|contactame|contacteme|escribanme|mandenme|mandame|enviame|"
        r"envienme|pasame|pasenme)\b",
        r"\b(me|nos) (llaman|llamas|contactan|contactais|contactas|escriben|escribis|mandan|mandais|envian|"
        r"pasan|pasais) (\w+ )?(info|informacion|precio|el precio|detalles|por|al|un|a)?\b",
        r"\b(por|x|al|en|por mensaje) (dm|md|privado|inbox|interno|whatsapp)\b|\bmas (info|informacion)\b",
        r"\bcon quien (hablo|puedo hablar)\b|\binfo (del|de la|de los|sobre|porfa|por favor)\b",
        r"\b(quisiera|queria|quiero) (saber|informacion|consultar)\b|\b(catalogo|lista de precios)\b",
        r"\b(me|nos) (puede|pueden|podeis|podria|podrian|podrias|puedes) (llamar|contactar|escribir|"
        r"responder|contestar|mandar|enviar|pasar)\b",
        r"(?<!no )\b(me|nos) (respondeis|responden|respondes|contestais|contestan|contestas)\b(?=[^.!]{0,20}"
        r"\?)",
    ),
    *rules(
        "purchase",
        r"\b(me|nos) interesa\b|\b(lo|la|los|las) quiero\b|\bme (lo|la|los|las) llevo\b|\bme apunto\b",
        r"\bquiero (comprar|contratar|cambiar|pedir|reservar|uno|una|el|la|los|las|info|asegurar|encargar)\b",
        r"\bantes de (comprar|pedir|encargar|reservar|contratar)(lo|la|los|las)?\b",
        r"\b(al|en el|a la|en la|en mi) (carrito|cesta|carro)\b",
        r"\b(necesito|necesitamos|busco|buscamos|estoy buscando|estamos buscando) (un|una|unos|unas|alguien|"
        r"comprar|contratar|ayuda con|seguro|presupuesto)\b",
        r"\b(estamos|estoy) (pensando|evaluando|interesad[oa]s?|mirando)\b|\bpensando en (comprar|vender|"
        r"cambiar|contratar)\b",
        r"\b(auto|carro|coche) a cuenta\b|\b(permuta|retoma)\b",
    ),
    *rules(
        "recommend",
        r"\b(me|nos) (recomienda\w*|recomendas|recomendais|aconseja\w*|sugiere\w*)\b",
        r"\b(que|cual|cuales)\b.{0,20}\b(recomienda\w*|recomendas|aconseja\w*|sugiere\w*)\b",
        r"\b(alguna )?recomendacion(es)?\b(?=.{0,60}\?)",
        r"\b(busco|buscamos|necesito|pido|acepto) (recomendacion\w*|sugerencia\w*|consejo\w*|ideas)\b|"
        r"\balguna (idea|sugerencia)\b(?=[^.!]{0,20}\?)",
    ),
    *rules(
        "offer",
        rf"(?<!\w)(ustedes |vosotros |vos )?{_YOU_VERB}\b(?=[^?.!]{{0,60}}\?)",
        r"\bhay (algo|algun|alguna|opciones|planes|descuento|descuentos|promocion)\b",
    ),
    # --- evidence against ---
    *rules("giveaway", r"\b(participo|participando|sorteo|concurso|quiero ganar|yo participo)\b"),
    *rules(
        "complaint",
        r"\b(reclamo|reclamacion|queja|devolucion|reembolso|me cobraron|siguen cobrando|cobrando)\b",
        r"\b(nadie|ninguno) (me |nos )?(responde|contesta|coge|da solucion|da razon|atiende|llama)\b",
        r"\bno (me |nos )?(responden|contestan|llego|ha llegado|funciona|sirve|devuelven)\b|\bsigue sin\b",
        r"\b(pesim[oa]|fatal|verguenza|estafa|nunca mas|decepcionad[oa]|malisim[oa]|se rompio|esperando)\b",
        r"\b(numero de pedido|mi pedido|mi reserva|mi cuenta|garantia|soporte|atencion al cliente)\b",
    ),
    *rules(
        "review",
        r"\b(compre|compramos|fuimos|estuvimos|me hice|me instalaron|nos instalaron|contratamos|"
        r"el ano pasado)\b",
        r"\b(lo|la|los|las|les) recomiendo\b|\bgracias (a|por)\b|\b(el|la) mejor\b",
    ),
    *rules(
        "wishful",
        r"\b(algun dia|ojala|quien pudiera|loteria|de mis suenos|no me alcanza|si tuviera|"
        r"cuando sea ric[oa])\b",
    ),
    *rules(
        "spam",
        r"\b(gana dinero|desde casa|dolares diarios|sigueme|visita mi perfil|te damos mejor precio|ven a)\b",
    ),
    *rules(
        "job",
        r"\b(estan buscando|buscan|buscais|necesitan) (personal|gente|empleados|profes\w*|camarer\w*|"
        r"vendedor\w*|trabajadores)\b",
        r"\b(busco trabajo|busco empleo|curriculum|vacantes?|practicas|pasantias?|contratando|mi cv)\b",
    ),
    *rules(
        "purchase",
        r"\b(me compro|me llevo|me quedo con|voy a comprar|vamos a comprar)\b",
        r"\b(necesito|necesitamos) (un|una|unos|unas|que me|este|esta|estos|estas|ese|esa) \w+",
        r"\b(en|dentro de) mi presupuesto\b|\bpor menos de \d|\bpresupuesto (de|maximo de|hasta) "
        r"\W?\d",
        weight=2.2,
        label="says they are buying",
    ),
    *rules(
        "logistics",
        r"\b(voy|vamos|paso|pasamos|me paso|nos pasamos|ire|iremos) (\w+ ){0,2}(a|por) (la|vuestra|su|"
        r"tu) (tienda|sucursal|exposicion|showroom|local)\b",
        label="says they are coming to the shop",
        weight=1.6,
    ),
    *rules(
        "timeline",
        r"\b(lo antes posible|cuanto antes|urgente|antes de (fin|final) de mes|para (esta|la proxima) "
        r"semana)\b",
        r"\b(nos mudamos|me mudo|mudanza)\b|\b(piso|casa|apartamento|depa|departamento) nuev[oa]\b",
    ),
)

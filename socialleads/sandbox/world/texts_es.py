"""Spanish words of the simulated social-media world: products, places, names and templates.

Pure data, read by :mod:`socialleads.sandbox.world.texts`. Product slots carry the article forms Spanish
needs: ``{product}`` (sofá), ``{el}`` (el sofá / la mesa), ``{un}``, ``{del}``, ``{este}`` and the
object pronoun ``{lo}`` (lo / la). ``{colour}`` always follows "en"; ``{when}`` is an adverbial
("el sábado"). Other slots: ``{city}``, ``{friend}``, ``{price}``, ``{rival}``, ``{n}``.
"""

from __future__ import annotations


def _n(noun: str, gender: str) -> dict[str, str]:
    masculine = gender == "m"
    return {
        "product": noun,
        "el": f"{'el' if masculine else 'la'} {noun}",
        "un": f"{'un' if masculine else 'una'} {noun}",
        "del": f"{'del' if masculine else 'de la'} {noun}",
        "este": f"{'este' if masculine else 'esta'} {noun}",
        "lo": "lo" if masculine else "la",
    }


PRODUCTS: tuple[dict[str, str], ...] = (
    _n("sofá", "m"),
    _n("sofá rinconera", "m"),
    _n("sofá cama", "m"),
    _n("sillón", "m"),
    _n("butaca", "f"),
    _n("mesa de comedor", "f"),
    _n("mesa de centro", "f"),
    _n("cocina", "f"),
    _n("cama", "f"),
    _n("lámpara de pie", "f"),
    _n("lámpara colgante", "f"),
    _n("alfombra", "f"),
    _n("aparador", "m"),
    _n("estantería", "f"),
    _n("silla de comedor", "f"),
    _n("cabecero", "m"),
)
COLOURS: tuple[str, ...] = (
    "gris",
    "verde salvia",
    "azul marino",
    "blanco roto",
    "terracota",
    "roble",
    "antracita",
    "mostaza",
    "beige",
    "verde botella",
)
CITIES: tuple[dict[str, str], ...] = tuple(
    {"city": name}
    for name in (
        "Madrid",
        "Barcelona",
        "Sevilla",
        "Valencia",
        "Málaga",
        "Bilbao",
        "Zaragoza",
        "Granada",
        "Córdoba",
        "Valladolid",
        "Alicante",
        "Salamanca",
        "Murcia",
        "Cádiz",
    )
)
PRICES: tuple[str, ...] = ("79 €", "249 €", "499 €", "899 €", "1.250 €", "1.899€", "2.400 €", "649€")
WHEN: tuple[str, ...] = ("el sábado", "mañana", "este finde", "la semana que viene", "el jueves por la tarde")
RIVALS: tuple[str, ...] = ("MueblesYa", "Casa Rústica Outlet", "DecoChollo", "SofáExpress")
MALE_NAMES: tuple[str, ...] = (
    "Javier",
    "Carlos",
    "Pablo",
    "Alejandro",
    "Sergio",
    "Daniel",
    "Jorge",
    "Álvaro",
    "Iñaki",
    "Raúl",
    "Andrés",
)
FEMALE_NAMES: tuple[str, ...] = (
    "Lucía",
    "María",
    "Carmen",
    "Laura",
    "Marta",
    "Paula",
    "Sofía",
    "Elena",
    "Nerea",
    "Ainhoa",
    "Begoña",
)
SURNAMES: tuple[tuple[str, str], ...] = tuple(
    (name, name)
    for name in (
        "García",
        "Fernández",
        "López",
        "Martínez",
        "Sánchez",
        "Pérez",
        "Gómez",
        "Ruiz",
        "Jiménez",
        "Muñoz",
        "Álvarez",
        "Romero",
        "Ortega",
        "Navarro",
        "Domínguez",
        "Castaño",
    )
)
DOUBLE_SURNAME_RATE = 0.5

COMMENT_LEADS: tuple[tuple[str, str], ...] = (
    ("price", "¿Cuánto cuesta {el}?"),
    ("price", "precio {del} en {colour} porfa 🙏"),
    ("price", "Hola! ¿qué precio tiene {el} en {colour}?"),
    ("price", "¿Sigue a {price} o era solo en rebajas?"),
    ("price", "cuánto sale {el} con envío a {city}??"),
    ("logistics", "¿Hacéis envíos a {city}?"),
    ("logistics", "envían a {city}?? y cuánto tarda"),
    ("logistics", "¿Dónde se puede comprar? ¿tenéis tienda cerca de {city}?"),
    ("logistics", "¿Me pasáis el link {del}? no {lo} encuentro en la web"),
    ("logistics", "¿Puedo recoger{lo} en el almacén {when} o solo hacéis envío a domicilio?"),
    ("availability", "Hola, ¿{lo} tenéis en {colour}?"),
    ("availability", "¿Qué medidas tiene {el}? a ver si me cabe en casa"),
    ("availability", "¿Hay stock o es por encargo? 🤔"),
    ("availability", "¿Cuándo vuelve a estar disponible {el} en {colour}?"),
    ("availability", "¿Viene en otros tamaños {el}?"),
    ("consultation", "¿Cómo pido cita para la asesoría de interiorismo gratuita? me vendría bien {when}"),
    ("consultation", "¿Puedo pasar a ver {el} en persona {when}? ¿hace falta cita?"),
    (
        "consultation",
        "Estamos reformando todo el salón, ¿podría venir alguien de vuestro equipo de diseño a {city}?",
    ),
    ("consultation", "¿Me podéis hacer un presupuesto para una cocina completa? unos 12 m2"),
    ("contact", "Llamadme por favor, quiero encargar {un} 📞"),
    ("contact", "¿Me escribe alguien por privado? Me interesa {el} para la oficina"),
    ("contact", "Os he mandado un correo preguntando por {el} antes de comprar, ¿me respondéis hoy?"),
    ("wish_to_own", "Quiero {este} en {colour} 😍 paso por la tienda {when} a encargar{lo}"),
    ("wish_to_own", "Necesito {este} para el piso nuevo, nos mudamos el mes que viene!!"),
    ("wish_to_own", "Me {lo} llevo!! {el} en {colour} es justo lo que buscaba"),
    ("recommendation", "¿Qué me recomendáis para un salón pequeño, {el} o algo más compacto?"),
    ("recommendation", "Busco {un} para un piso pequeño, q me recomendáis?"),
    ("recommendation", "¿Qué alfombra quedaría bien con un sofá en {colour}? quiero pedir las dos cosas"),
)

COMMENT_OTHER: tuple[tuple[str, str], ...] = (
    ("praise", "¡Precioso! 😍"),
    ("praise", "Qué bonito todo, me encanta el {colour}"),
    ("praise", "Vuestra página siempre inspira ✨"),
    ("praise", "Qué fotos tan chulas 👌👌"),
    ("wishful", "ojalá pudiera permitírmelo 😭"),
    ("wishful", "cuando me toque la lotería 😂"),
    ("wishful", "en otra vida tendré un salón así"),
    ("wishful", "mi cuenta del banco dice que no 🥲"),
    ("tag_friend", "{friend} 👀"),
    ("tag_friend", "{friend} esto es muy tú jajaja"),
    ("tag_friend", "{friend} te acuerdas del sofá del piso de estudiantes? 😂"),
    ("giveaway", "Hecho ✅ me gusta, compartido y etiquetado {friend} 🤞"),
    ("giveaway", "Participo! 🍀 {friend}"),
    ("giveaway", "Me encantaría ganar 🙏 compartido en stories"),
    ("complaint", "Me llegó {el} con un arañazo hace tres semanas y nadie contesta a mis correos"),
    ("complaint", "Llevo 6 semanas esperando el pedido y no cogen el teléfono 😡"),
    ("complaint", "Hola, {el} que compré se estropeó a los dos meses, ¿cómo reclamo la garantía?"),
    ("complaint", "Sigo esperando el reembolso de la devolución. Una vergüenza"),
    ("review", "Compré {el} hace un año y sigue como el primer día, muy buena calidad"),
    ("review", "Tenemos {el} en {colour} desde la primavera y es lo mejor que hemos comprado para casa"),
    ("review", "Llevamos dos años con {el}, algo de desgaste pero sigue genial. Un 4/5"),
    ("joke", "mi gato ya se ha pedido ese sitio 😂"),
    ("joke", "jajaja {el} tiene más estilo que yo"),
    ("joke", "la planta del rincón hace todo el trabajo jaja"),
    ("spam", "Gana 500€ al día desde casa!! escríbeme por privado 💸💸"),
    ("spam", "Señales de cripto en mi perfil 🚀🚀🚀"),
    ("spam", "¿Quieres más seguidores? mira mi bio"),
    ("politics", "Mientras tanto el gobierno subiendo los impuestos de todo..."),
    ("politics", "Que se vayan todos en las próximas elecciones!!"),
    ("politics", "Lo del Congreso esta semana es de vergüenza"),
    (
        "job_seeker",
        "¿Estáis contratando? Tengo 5 años de experiencia en tienda y me encantaría trabajar con vosotros",
    ),
    ("job_seeker", "¿Buscáis repartidores en {city}? Os mandé el CV la semana pasada"),
    ("job_seeker", "¿Cogéis gente en prácticas? Estoy estudiando interiorismo"),
    ("competitor", "El mismo modelo a mitad de precio en {rival} 👉 link en mi bio"),
    ("competitor", "{rival} tiene rebajas brutales ahora mismo, lo dejo por aquí 😉"),
    ("chatter", "Primeraaa"),
    ("chatter", "Qué día de lluvia en {city} hoy"),
    ("chatter", "¡Feliz viernes a todos! 🙌"),
)

POST_LEADS: tuple[tuple[str, str], ...] = (
    ("price", "¿alguien sabe cuánto cuesta {el} de la nueva colección? no encuentro precios en ningún sitio"),
    (
        "price",
        "cuánto cuesta {el} en {colour} del escaparate?? pasé por delante y no me {lo} quito de la cabeza",
    ),
    ("price", "¿En serio {el} está a {price}? entra en mi presupuesto"),
    ("logistics", "¿hacen envíos a {city}? estoy a punto de pedir {un}"),
    ("logistics", "¿Dónde puedo comprar {el} que subisteis la semana pasada? link porfa"),
    ("logistics", "Necesito que me lleven {un} a {city} antes de fin de mes, ¿es posible?"),
    ("availability", "¿Ya hay stock {del}? lo miro cada día"),
    ("availability", "¿Tenéis {el} en {colour}? {lo} quiero para el piso nuevo"),
    ("availability", "¿Qué medidas tiene {el}? tengo que ver si me cabe en casa"),
    ("consultation", "¿Cómo se reserva la asesoría de interiorismo gratuita? me iría genial {when}"),
    ("consultation", "Quiero pedir presupuesto para una cocina nueva, ¿podéis venir a medir a {city}?"),
    ("contact", "¿Alguien de la tienda me puede llamar? quiero encargar {un}"),
    ("contact", "Escribidme por privado porfa, me interesa {el} para la oficina nueva"),
    ("wish_to_own", "Decidido: me compro {el} en {colour}. voy a la tienda {when} 🛋️"),
    ("wish_to_own", "Nos mudamos en {n} semanas y necesito {un} ya mismo"),
    ("recommendation", "Busco recomendaciones: {un} por menos de {price}, ¿alguna idea?"),
    ("recommendation", "¿Qué tienda de muebles de {city} me recomendáis? necesito un sofá antes del verano"),
)

POST_OTHER: tuple[tuple[str, str], ...] = (
    ("praise", "La tienda nueva es preciosa, de verdad 😍"),
    ("praise", "Qué bien han fotografiado {el} en {colour} en su último post"),
    ("wishful", "algún día tendré muebles que cuesten más que mi coche jaja"),
    ("wishful", "existe {el} de mis sueños y no me {lo} puedo permitir 🥲"),
    ("tag_friend", "{friend} mira esto 😂 es tu salón"),
    ("tag_friend", "{friend} te acuerdas cuando subimos tu sofá viejo a un quinto sin ascensor? jajaja"),
    ("giveaway", "Ya participo en el sorteo 🤞 ojalá me toque"),
    ("giveaway", "participación en el sorteo ✅ RT y etiqueta hechos"),
    ("complaint", "3 semanas desde la fecha de entrega y ni rastro del pedido. ni teléfono ni email 😤"),
    ("complaint", "Me llegó {el} con un golpe y atención al cliente pasa de mí"),
    ("review", "Seis meses con {el} y seguimos encantados. buena calidad"),
    ("review", "Opinión sincera: {el} queda genial, la entrega fue lenta. Un 4/5 igualmente"),
    ("joke", "mi perro ha decidido que {el} es suyo. y no le falta razón"),
    ("joke", "ser adulto es emocionarte por {un} jajaja"),
    ("spam", "🔥 iPhone GRATIS 🔥 entra en el link de mi bio"),
    ("spam", "Gana dinero con cripto, 300% garantizado, escríbeme"),
    ("politics", "Suben otra vez los tipos de interés y lo llaman recuperación. Increíble"),
    ("politics", "Gane quien gane las elecciones, los inquilinos seguimos igual"),
    ("job_seeker", "Busco trabajo de dependienta o en almacén en {city}, DMs abiertos 🙏"),
    ("job_seeker", "¿Alguien sabe si contratan en tiendas de muebles de {city}? necesito curro ya"),
    ("competitor", "Rebajas en {rival} este finde, todo al 40%!! 👉 link en bio"),
    ("competitor", "{rival} acaba de abrir en {city}, ¡ven a ver nuestra nueva exposición!"),
    ("chatter", "Lunes otra vez. Primero café ☕"),
    ("chatter", "Qué atardecer más bonito hoy en {city}"),
)

STORE_POSTS: tuple[str, ...] = (
    "Novedad: {el} en {colour} 🛋️ Ya en nuestra exposición de {city}.",
    "Oferta de fin de semana: 20% de descuento en {el} hasta el domingo ✨",
    "Horario esta semana: L-V 10-20 h, sábados 10-14 h. ¡Os esperamos!",
    "Asesoría de interiorismo gratuita: reserva tu cita en nuestra web 🏡",
    "Os presentamos {el} en {colour}, ahora a {price}.",
    "¡Buscamos gente! Únete a nuestro equipo en {city}, más info en la bio.",
    "Domingo de mañanas lentas y alfombras suaves ☕",
    "¡SORTEO! Dale a me gusta y etiqueta a un amigo para ganar {un}. Anunciamos el ganador {when}.",
    "De vuelta en stock: {el} que tanto nos pedíais 🙌",
    "Un vistazo a nuestro taller 🔨",
    "El lunes festivo estaremos cerrados, volvemos el martes.",
    "Llega la colección en {colour}. ¿Cuál es vuestra pieza favorita?",
)

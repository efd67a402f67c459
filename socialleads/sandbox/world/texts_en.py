"""English words of the simulated social-media world: products, places, names and templates.

Pure data, read by :mod:`socialleads.sandbox.world.texts`. Templates are ``(category, template)`` pairs; slots
are ``{product}``, ``{a_product}``, ``{colour}``, ``{city}``, ``{friend}``, ``{price}``, ``{when}``,
``{rival}`` and ``{n}``. ``{colour}`` always follows "in" and ``{when}`` is an adverbial ("on Saturday").
"""

from __future__ import annotations


def _n(noun: str) -> dict[str, str]:
    article = "an" if noun[0] in "aeiou" else "a"
    return {"product": noun, "a_product": f"{article} {noun}"}


PRODUCTS: tuple[dict[str, str], ...] = tuple(
    _n(noun)
    for noun in (
        "sofa",
        "corner sofa",
        "sofa bed",
        "armchair",
        "dining table",
        "coffee table",
        "kitchen",
        "bed",
        "floor lamp",
        "pendant light",
        "rug",
        "sideboard",
        "bookcase",
        "dining chair",
        "bedside table",
    )
)
COLOURS: tuple[str, ...] = (
    "grey",
    "sage green",
    "navy",
    "off-white",
    "terracotta",
    "oak",
    "charcoal",
    "mustard",
    "cream",
    "forest green",
)
CITIES: tuple[dict[str, str], ...] = tuple(
    {"city": name}
    for name in (
        "London",
        "Manchester",
        "Leeds",
        "Bristol",
        "Glasgow",
        "Edinburgh",
        "Cardiff",
        "Dublin",
        "Cork",
        "Belfast",
        "Brighton",
        "York",
    )
)
PRICES: tuple[str, ...] = ("£79", "£249", "£499", "£899", "£1,250", "£1,899", "£2,400", "£649")
WHEN: tuple[str, ...] = ("on Saturday", "tomorrow", "this weekend", "next week", "on Thursday afternoon")
RIVALS: tuple[str, ...] = ("CouchKing", "Loft & Co Outlet", "SofaSavers", "HomeHaus Direct")
MALE_NAMES: tuple[str, ...] = (
    "James",
    "Oliver",
    "Jack",
    "Harry",
    "Liam",
    "Ethan",
    "Daniel",
    "Tom",
    "Ryan",
    "Connor",
    "Callum",
    "Sam",
)
FEMALE_NAMES: tuple[str, ...] = (
    "Emily",
    "Olivia",
    "Sophie",
    "Chloe",
    "Grace",
    "Megan",
    "Hannah",
    "Aoife",
    "Jess",
    "Lucy",
    "Niamh",
    "Amy",
)
SURNAMES: tuple[tuple[str, str], ...] = tuple(
    (name, name)
    for name in (
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Evans",
        "Walsh",
        "Murphy",
        "O'Brien",
        "Campbell",
        "Hughes",
        "Clarke",
        "Patel",
        "Khan",
        "Byrne",
    )
)
DOUBLE_SURNAME_RATE = 0.0

COMMENT_LEADS: tuple[tuple[str, str], ...] = (
    ("price", "How much is the {product}?"),
    ("price", "price pls 🙏 the {colour} one"),
    ("price", "what's the price on this {product} in {colour}??"),
    ("price", "Is the {product} still {price} or was that just the sale?"),
    ("price", "hi! how much for the {product} + delivery to {city}"),
    ("logistics", "Do you deliver to {city}?"),
    ("logistics", "do u ship to {city}? and how long does it take"),
    ("logistics", "Where can I buy this? Is there a shop anywhere near {city}"),
    ("logistics", "Can you send me the link for the {product}? cant find it on the website"),
    ("logistics", "Can I pick it up from the warehouse {when} or is it delivery only?"),
    ("availability", "Is the {product} available in {colour}?"),
    ("availability", "what are the dimensions of the {product}? need to know if it fits through my door lol"),
    ("availability", "Is this in stock or do I have to order it? 🤔"),
    ("availability", "any chance the {product} in {colour} gets restocked before christmas?"),
    ("availability", "Does the {product} come in a bigger size?"),
    ("consultation", "How do I book the free design consultation? I'd like to come in {when}"),
    ("consultation", "Can I book an appointment to see the {product} in person {when}?"),
    (
        "consultation",
        "we're redoing our whole living room, could someone from your design team come out to {city}?",
    ),
    ("consultation", "Could I get a quote for a full kitchen? roughly 3x4m"),
    ("contact", "Please call me, I'd like to order the {product} 📞"),
    ("contact", "Can someone from sales DM me? Interested in the {product} for our office"),
    ("contact", "Sent you an email about the {product} before I order, could you get back to me today?"),
    ("wish_to_own", "I want this {product} in {colour}!! coming by the shop {when} to order"),
    ("wish_to_own", "ok we need exactly {a_product} like this for the new flat, moving in next month 😍"),
    (
        "wish_to_own",
        "Going in my basket tonight 😍 the {product} in {colour} is exactly what we've been looking for",
    ),
    (
        "recommendation",
        "What would you recommend for a small living room, the {product} or something more compact?",
    ),
    ("recommendation", "Looking for {a_product} for a small flat, wich one would you recommend?"),
    ("recommendation", "Which rug would go with a sofa in {colour}? want to order both"),
)

COMMENT_OTHER: tuple[tuple[str, str], ...] = (
    ("praise", "Gorgeous!! 😍"),
    ("praise", "this {product} is stunning, love the colour"),
    ("praise", "Your page is always such a vibe ✨"),
    ("praise", "The styling in this photo 👌👌"),
    ("wishful", "wish I could afford this 😭"),
    ("wishful", "one day... when I win the lottery 😂"),
    ("wishful", "in another life I'd have a living room like this"),
    ("wishful", "my bank account said no 🥲"),
    ("tag_friend", "{friend} 👀"),
    ("tag_friend", "{friend} this is SO you haha"),
    ("tag_friend", "{friend} remember our old student couch 😂"),
    ("giveaway", "Done ✅ liked, shared and tagged {friend} 🤞"),
    ("giveaway", "Entering! fingers crossed 🍀 {friend}"),
    ("giveaway", "would love to win this 🙏 shared to my story"),
    ("complaint", "My {product} arrived with a scratch three weeks ago and nobody answers my emails"),
    ("complaint", "been waiting 6 weeks for my order, nobody picks up the phone 😡"),
    ("complaint", "my {product} got damaged after two months, how do I claim the warranty?"),
    ("complaint", "Still waiting on the refund for my return. Please sort it out"),
    ("review", "Bought the {product} last year and it still looks brand new, great quality"),
    (
        "review",
        "We've had our {product} in {colour} since spring, honestly the best thing we bought for the house",
    ),
    ("review", "Had it two years now, a bit of wear but still great. 4/5"),
    ("joke", "my cat has already claimed it 😂"),
    ("joke", "honestly that {product} has more style than me 😂"),
    ("joke", "the plant in the corner is doing all the heavy lifting lol"),
    ("spam", "Earn £500 a day from home!! DM me for details 💸💸"),
    ("spam", "crypto signals on my profile 🚀🚀🚀"),
    ("spam", "want more followers?? check my bio"),
    ("politics", "Meanwhile the government keeps raising taxes on everything..."),
    ("politics", "Vote them all out next election!!"),
    ("politics", "what happened in parliament this week is a disgrace"),
    ("job_seeker", "Are you hiring? I have 5 years in retail and would love to join the team"),
    ("job_seeker", "Any openings for delivery drivers in {city}? sent my CV last week"),
    ("job_seeker", "Do you take interns? I'm studying interior design"),
    ("competitor", "Same model for half the price at {rival} 👉 link in bio"),
    ("competitor", "{rival} has a massive sale on right now, just saying 😉"),
    ("chatter", "First!"),
    ("chatter", "such a rainy day in {city} today"),
    ("chatter", "Happy Friday everyone 🙌"),
)

POST_LEADS: tuple[tuple[str, str], ...] = (
    ("price", "anyone know how much the {product} from the new collection costs? can't find prices anywhere"),
    (
        "price",
        "how much is the {product} in {colour} in the window?? walked past, can't stop thinking about it",
    ),
    ("price", "Is the {product} really {price}? that's in my budget tbh"),
    ("logistics", "do you deliver to {city}? about to order {a_product}"),
    ("logistics", "Where can I buy the {product} from your post last week? link pls"),
    ("logistics", "Need {a_product} delivered to {city} before the end of the month, is that doable?"),
    ("availability", "Is the {product} back in stock yet? checking every day"),
    ("availability", "does the {product} come in {colour}? want it for the new flat"),
    ("availability", "what are the measurements of the {product}? need to check it fits"),
    ("consultation", "How do I book the free interior design consultation? would love a slot {when}"),
    (
        "consultation",
        "thinking of getting a quote for a new kitchen, can someone come and measure in {city}?",
    ),
    ("contact", "can someone from the shop call me back? want to order {a_product}"),
    ("contact", "Please DM me, interested in the {product} for our new office"),
    ("wish_to_own", "Decided: I'm getting the {product} in {colour}. heading to the store {when} 🛋️"),
    ("wish_to_own", "Moving in {n} weeks and I need {a_product} asap"),
    ("recommendation", "Looking for recommendations: {a_product} under {price}, anyone?"),
    ("recommendation", "which furniture shop in {city} would you recommend? need a new sofa before summer"),
)

POST_OTHER: tuple[tuple[str, str], ...] = (
    ("praise", "their new showroom is honestly beautiful 😍"),
    ("praise", "love how they styled the {product} in {colour} in their latest post"),
    ("wishful", "someday I'll own furniture that costs more than my car lol"),
    ("wishful", "the {product} of my dreams exists and I can't afford it 🥲"),
    ("tag_friend", "{friend} look at this 😂 literally your living room"),
    ("tag_friend", "{friend} remember carrying your old sofa up 5 floors with no lift 😂"),
    ("giveaway", "entered the giveaway 🤞 fingers crossed"),
    ("giveaway", "giveaway entry ✅ RT and tag done"),
    ("complaint", "3 weeks past my delivery date and still nothing. no answer by phone or email 😤"),
    ("complaint", "my order arrived damaged and customer service keeps ignoring me"),
    ("review", "6 months with our {product} and still happy. solid quality"),
    ("review", "honest review: the {product} looks great, delivery was slow. still 4/5"),
    ("joke", "my dog has decided the new {product} is his. he's not wrong"),
    ("joke", "adulthood is getting genuinely excited about {a_product} lol"),
    ("spam", "🔥 FREE iPhone 🔥 click the link in my bio"),
    ("spam", "get rich with crypto, 300% returns guaranteed, DM me"),
    ("politics", "rates up again and they call it a recovery. unbelievable"),
    ("politics", "whoever wins the election, nothing changes for renters"),
    ("job_seeker", "looking for retail or warehouse work in {city}, DMs open 🙏"),
    ("job_seeker", "anyone know if furniture stores in {city} are hiring? need a job asap"),
    ("competitor", "Big sale at {rival} this weekend, 40% off everything!! 👉 link in bio"),
    ("competitor", "{rival} just opened in {city}, come and see our new showroom!"),
    ("chatter", "monday again. coffee first ☕"),
    ("chatter", "what a sunset in {city} tonight"),
)

STORE_POSTS: tuple[str, ...] = (
    "New in: the {product} in {colour} 🛋️ Now in our showroom in {city}.",
    "Weekend offer: 20% off the {product} until Sunday ✨",
    "Opening hours this week: Mon-Fri 10-18, Sat 11-16. See you soon!",
    "Free interior-design consultation: book your slot on our website 🏡",
    "Meet the {product} in {colour}, now {price}.",
    "We're hiring! Join our team in {city}, link in bio.",
    "Sunday mood: slow mornings and soft rugs ☕",
    "GIVEAWAY! Like this post and tag a friend to win {a_product}. Winner announced {when}.",
    "Back in stock: the {product} you kept asking about 🙌",
    "A peek behind the scenes at our workshop 🔨",
    "Closed on the bank holiday Monday, back to normal hours on Tuesday.",
    "Our {colour} collection is here. Which piece is your favourite?",
)

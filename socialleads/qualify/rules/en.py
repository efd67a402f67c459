"""English buying-intent rules (patterns over folded, lower-case text; see ``base``).

Written from how people ask businesses things on social media, not from any data file: general
phrasings with word boundaries, tolerant of "u"/"ur"/"pls" spellings.
"""

from __future__ import annotations

from socialleads.qualify.rules.base import Rule, noun_ask, rules

_YOU = r"(you|u|ya|y'?all|you guys|u guys|you lot)"
_THING = r"(it|this|that|these|those|they|them|one|the \w+( \w+)?)"
_DAY = r"(mon|tues?|wed(nes)?|thu(rs)?|fri|sat(ur)?|sun)(day)?s?"

RULES: tuple[Rule, ...] = (
    *rules(
        "price",
        # Not "how much did you pay" (to a friend) nor "how much does the CEO make" (chatter about wages).
        r"(?<!that's )(?<!thats )\bhow (much|expensive)\b(?! (did|do|does|have) (you|u|they|he|she)\b)"
        r"(?!( \w+){0,3} (make|makes|making|earn|earns|earning|take home|takes home|paid|get paid)\b)",
        r"\b(what'?s|what is|whats|what are|what r) (the |your |ur )?(\w+ )?(price|cost|rate|fee|pricing|"
        r"package)s?\b",
        r"\bwhat (would|will|does|do|did) (\w+ ){0,4}(cost|charge|set me back)\b",
        *noun_ask(
            "price|prices|pricing|cost|rates?|quote", "pls|please|plz|pm|dm|inbox|info", "for|of|on|to|and|in"
        ),
        r"\b(price|pricing|rate) (list|sheet|pls|please|plz)\b",
        r"^\W*(price|pricing|cost)\W*$|^\W*(rates?|prices?|pricing|costs?|quotes?) for\b",
        r"\bwhat'?s the damage\b|\b(cheapest|best price|lowest price|best deal)\b(?=[^.!]{0,40}\?)",
        r"\b(send|share|dm|pm) (me |us )?(the |your |ur )?(price|prices|pricing|price list|rates)\b",
        r"\b(monthly|weekly) (payments?|price|cost|fee)s?\b",
        r"\b(payment plans?|finance options?|financing|instal?ments|pay monthly|pay in \w+ (instal|part))",
        r"\bprice match\b|\bany (discounts?|deals?|offers?) (for|on)\b",
        r"\b(is|are) (it|this|that|they|the \w+( \w+)?) still (at )?([£$€]\s?\d|\d[\d.,]* ?(eur|euros|"
        r"dollars|pounds|quid))|"
        r"\b(is|are) (it|this|that|they|the \w+( \w+)?) still on (sale|offer)"
        r"|\b(was|is) (that|it|this) (just|only) (in |for |during )?the (sale|offer|promo)\b",
        r"\b(joining|sign ?up|booking|delivery|shipping|membership|service|"
        r"installation) fee(?=[^.!]{0,30}\?)",
    ),
    *rules(
        "logistics",
        rf"\b(do|does|can|will|would) ({_YOU[1:-1]}|it|this|they) (\w+ )?(ship|deliver|post|send)\b",
        r"\b(ship|ships|shipping|deliver|delivers|delivery|postage|shipped|delivered) (to|in|within|"
        r"outside|abroad|internationally|overseas|worldwide)\b(?=[^.!]{0,40}\?)",
        r"\bhow (much|long) (is|does|for|will|would) (the )?(shipping|delivery|postage)\b",
        r"\bwhere (can|do|could|would|should|to) (i|we|one|you|u)? ?(buy|get|find|order|purchase|pick up)\b",
        r"\bwhere (is|are) (it|this|that|they|these) (sold|available|stocked)\b",
        r"\b(drop|send|post|share) (me |us )?(the|a) link\b",
        r"\b(back )?in stock\b|\brestock|\bout of stock\b|\bsold out\b(?=.{0,30}\?)",
        r"\bwhen (will|is|are|does|do) .{0,30}\b(back in stock|restocked|in stock|available|released|"
        r"back on sale|"
        r"on sale|launch\w*)\b",
        r"\b(click and collect|pick ?up in store|collect in store|pre-?order|order online)\b",
        r"\b(get|have) (it|this|that|them|one|these) (delivered|shipped|sent)\b",
        r"\b(got|have|is there|any) (a|the) link\b",
        r"\bcan (i|we) (order|buy|pick (it |them |this |that |one )?up|collect)\b"
        r"|\bif (i|we) (order|buy|book|get)\b",
        r"\b(delivery|collection|pick-?up|click and collect|online) only\b(?=[^.!]{0,20}\?)",
        label="asks how to get it",
    ),
    *rules(
        "logistics",
        r"\b(open(ing)?|closing) (hours|times)\b",
        r"\bwhat time (do|does|is|are) (you|u|it|the \w+) (open|close|start|finish|serve)",
        rf"\b(are|r) (you|u) open\b|\bopen (on )?{_DAY}\b|\bopen (late|tomorrow|today|tonight)\b",
        label="asks when they can come in",
        weight=1.6,
    ),
    *rules(
        "availability",
        r"\bstill (available|availible|avail|for sale|in stock|up for grabs)\b",
        r"\b(are|is) there (still )?(any )?(spots?|places?|spaces?|seats?|tickets?|rooms?|tables?|"
        r"availability|"
        r"openings)\b[^.!]{0,40}(\?|left|free|available|on|for)",
        r"\bis (the|this|that) (promo|offer|deal|sale|discount|code) still\b",
        rf"\b(is|are) {_THING} (still )?(available|availible|for sale)\b",
        r"\bavailab(le|ility) (on|for|in|from|this|next|between|\d)",
        r"\bany (\w+ )?(availability|appointments?|slots?|spaces?|spots?|tables?|rooms?|places?|vacanc\w+|"
        r"dates?|seats?|flights?|deals?|tickets?) (left|free|available|open|on|for|this|next|in|at|today|"
        r"tomorrow|somewhere|from|to|\?)",
        r"\b(earliest|latest|next) (\w+ )?(class|session|appointment|slot|availability|flight|departure|"
        r"opening|date)\b",
        rf"\b(do|does|will) {_THING} (also )?come in\b",
        r"\b(what|which) (size|sizes|colou?rs?|model|version|spec|frame size)\b",
        r"\b(size|sizing) (chart|guide)\b|\bwhat size\b|\btrue to size\b|\b(run|runs|fit|fits) (small|big|"
        r"large)\b",
        rf"\b(are|r) {_YOU} (free|available|open) (on|for|today|tomorrow|tonight|this|next|\d)",
        r"\b(does|do|can|will) (your|the) \w+ (do|support|have|handle|work with|integrate|include|"
        r"come with)\b",
        r"\b(any|other|more|different) (colou?rs?|sizes|shades|options)\b",
        r"\bin (a )?(different|other|darker|lighter|bigger|smaller) (colou?r|shade|size)\b",
        r"\bin (size |a size )?(xxs|xs|s|m|l|xl|xxl|small|medium|large)\s*\?",
        r"\b(dimensions|measurements|specs|mileage)\b(?=.{0,30}\?)",
        rf"\b(is|are|does|do) {_THING} (\w+ )?(included|include|come with|compatible|suitable|waterproof|"
        r"washable|see[- ]?through|refundable|integrate)",
        r"\b(is|are) (\w+ ){1,3}(included|extra)\b(?=[^.!]{0,20}\?)|\b(do|does) (\w+ ){1,5}come with\b",
        r"\b(eligible|qualify) for\b(?=[^.!]{0,40}\?)",
        r"\bintegrates? with\b|\bcompatible with\b",
        r"\b(are|is) (dogs|pets|kids|children|babies|groups) (allowed|welcome|ok|okay)\b",
        rf"\b(do|does) {_YOU} (take|accept) (?!(interns?|apprentices?|volunteers?|trainees?|"
        rf"placements?)\b)\w+",
        label="asks about availability or specs",
    ),
    *rules(
        "booking",
        r"\b(book|schedule|arrange|make|get|request|reserve) (me |us )?(a|an|my|our|the|in for a)? ?(\w+ )?"
        r"(appointment|appt|demo|trial|viewing|consultation|quote|table|reservation|test ?drive|session|"
        r"lesson|class|call|valuation|tour|fitting)s?\b",
        r"\b(free )?(trial|demo|quote|quotation|estimate|consultation|appointment|appt|reservations?|viewing|"
        r"test ?drive|valuation|appraisal|bookings?)\b(?=.{0,40}\?)",
        r"\b(can|could|may) (i|we) (book|schedule|arrange|request|try|view|visit|come (in|by|and))\b",
        rf"\b(do|does) {_YOU} (take|accept|do) (reservations|bookings|walk-?ins|new (patients|clients|"
        rf"customers|"
        r"students|members))\b",
        r"\btaking (on )?(new )?(patients|clients|customers|students|bookings|members)\b",
        r"\b(sign|put) (me|us) (up|down)\b|\bwhere do i sign\b|\bany chance (you|u|i|we) (could|can)\b",
        r"\bis it possible to (book|rent|hire|order|buy|get|reserve|pay|visit|come|try|view|see)\b",
        r"\bhow (do|can|would) (i|we) (sign up|join|register|enrol|enroll|book|apply for|get started|"
        r"open an account|become a (customer|member|client))\b",
        r"\b(i|we)('?d| would) (like|love) to (book|order|buy|get|reserve|schedule|join|try|view|visit|"
        r"see)\b",
        r"\b(can|could|would) (you|u) (give|send|do|make|prepare) (me |us )?(a )?(quote|price|estimate|"
        r"valuation|proposal)\b|\bquote (for|on)\b",
        r"\bhow (do|can|would|does|should) (i|we|you|u|one) (go about )?(book|booking|schedule|arrange)"
        r" (a|an|the|one|in)\b",
        r"\b(can|could|would|will) (someone|somebody|one of (you|your \w+)|your \w+( team)?)"
        r"( from (your|the) (\w+ ){0,3}(team|store|shop|showroom))? (come|pop|drop|swing) "
        r"(out|over|round|by|to|and)\b",
        r"\b(home|house|site) visits?\b|\bin-?home (consultation|design|measur\w*|appointment)\b",
        r"\b(i|we)('?d| would) (like|love) (a|an|one) (appointment|slot|consultation|session|viewing)\b",
    ),
    *rules(
        "contact",
        r"\b(dm|pm|inbox|message|msg|text|call|ring|email|e-mail|contact|phone|whatsapp) (me|us)\b",
        r"\b(please|pls|plz|can someone|can you|could you|someone|somebody) (pls )?(dm|pm|call|contact|email|"
        r"message|ring|text|reach out to)\b",
        r"\bsend (me|us) (more )?(info|information|details|the details|a brochure|a quote|your brochure)\b",
        r"\bmore (info|information|details)\b|\binfo (pls|please|plz)\b",
        r"\b(call|ring|get back to) (me|us) (back|asap|please|pls)\b|\bgive (me|us) a (call|ring|shout)\b",
        r"\bsent (you )?(my number|a dm|a message|a pm)\b|\bhappy to (chat|talk)\b",
        r"\bwho (do|should|can) (i|we) (talk|speak) to\b|\b(please|pls|can someone|someone) reach out\b",
        r"\b(could|can|would|will) (you|u|someone|somebody) (please |pls )?get back to (me|us)\b",
    ),
    *rules(
        "purchase",
        r"\btake my money\b|\bi'?ll take (it|one|two|three|\d|them|both)\b|\bsold!",
        r"\bi'?d (buy|order|get|take|book) (this|it|one|that|these|them)\b|\binterested in (the|your|a|an)\b",
        r"\b(want|wanna|need|would like|'d like) to (buy|order|book|purchase|sign up|switch|join)\b",
        r"\b(i|we) (really )?(want|need|would like|'d like) (one|it|this|these|that|them|to (buy|order|get|"
        r"book|"
        r"try|switch|join|sign up|upgrade))\b",
        r"\b(i'?m|i am|we'?re|we are) (very |really |so )?(interested|looking for|in the market for|"
        r"shopping for|"
        r"thinking (of|about) (buying|getting|switching|selling|booking)|planning (to|on) (buy|get|book)|"
        r"ready to (buy|order|book|sign|switch))",
        r"\b(looking|searching) for (a|an|some|someone|somebody|something|the best)\b",
        r"\b(switching|moving|changing|switch|move) (over )?(to you|from \w+ to (you|u))\b|"
        r"\bswitching from\b",
        r"\bbudget (of|is|around|about|up to|max|under|~|\d|£|\$|€)|\b(pre-?approved|first[- ]time buyer)\b",
        r"\btrade[- ]?ins?\b|\bpart[- ]exchange\b",
        r"\binterested\b(?=.{0,25}\?)",
        r"\b((i|we) (\w+ )?)?need (\d+|a|an|two|three|four|five|some|new) (\w+ )?(seats?|tickets?|rooms?|"
        r"tables?|"
        r"spots?|places?|units?|licen[cs]es?|phones?|lines?|quotes?)\b",
    ),
    *rules(
        "recommend",
        r"\b(what|which|any|can you|could you|would you|do you) (\w+ )?(recommend|suggest)\w*\b",
        r"\b(any )?(recommendations?|suggestions?|recs)\b.{0,40}(\?|for)",
        r"\bwhat'?s (the|your) best\b.{0,40}\b(for|under)\b",
        r"\bwhich (one|model|size|plan|package|option|tier) (is|would|should|do)\b",
    ),
    *rules(
        "offer",
        rf"\b(do|does|can|will|would) {_YOU} (also |still |even )?(do|offer|sell|have|stock|carry|make|"
        r"install|repair|fix|service|cover|provide|handle|help with|work with|cater|travel|run|teach|rent|"
        r"hire out|lease|finance|insure|organi[sz]e|host|supply|fit|advise|help)\b",
        rf"\b(are|r) {_YOU} (still )?(doing|offering|running|taking|accepting|selling)\b",
        r"\bis there (a|an|any) (\w+ ){0,2}(discount|trial|placement|waiting list|fee|grant|option|version|"
        r"plan|tier|package|deal|offer|course|class)\b",
        r"\b(any|anything) (\w+ ){0,2}(for (a|an|my|our|\d)|under \W?\d|around \W?\d|on the lot)\b",
    ),
    # --- evidence against ---
    *rules(
        "giveaway",
        r"\b(giveaway|give away|contest|competition|sweepstakes?|raffle)\b",
        r"^\W*(entry|entered|done|participating|in it to win it|pick me|me please)\b",
        r"\b(tagged|shared|liked|followed)\b.{0,30}(@|\bdone\b)",
    ),
    *rules(
        "complaint",
        r"\bstill (waiting|no|not|haven'?t|hasn'?t|being charged|charging|broken|nothing)\b",
        r"\b(no|zero|nobody|no one|noone|never (got|had) a)( \w+)? (reply|response|answer|callback|call back|"
        r"updates?|help|refund)\b",
        r"\b(refund|refunded|reimburse\w*|compensation|chargeback)\b",
        r"\bcharged (me )?(twice|double|again|for)\b|\b(waited|waiting) (for )?(over |almost )?\d+",
        r"\bhow (do|can) (i|we) (cancel|return|unsubscribe|get (a|my) refund|complain|claim|report)\b",
        r"\b(cancel|cancelled|canceled|froze) (my|our)\b|\bnever (again|arrived|received|delivered)\b",
        r"\b(disappoint\w*|terrible|worst|unacceptable|appalling|awful|useless|rip-?off|shocking)\b",
        r"\b(customer service|customer support|support team|(support|helpdesk|help desk) tickets?|tracking|"
        r"ticket (number|#|no)|opened a ticket|order ?(#|number|no))\b",
        r"\b(my|our) (order|claim|account|card|subscription|membership|package|parcel|delivery|bill|premium|"
        r"refund|booking|repair|warranty)\b",
        r"\b(fell apart|stopped working|doesn'?t work|won'?t (work|load|charge|hold|turn on)|broke down|"
        r"is down|been down|not working)\b",
    ),
    *rules(
        "review",
        r"\b(bought|purchased|ordered|had|got|installed|booked|stayed|visited|came in|went|been with|used)\b"
        r".{0,50}\b(last (year|month|week|summer|spring|winter|autumn|night|time)|ago|in (19|20)\d\d|"
        r"yesterday|since)\b",
        r"\b(highly recommend|would recommend|5 stars|five stars|10/10|so happy with|very happy|"
        r"can'?t complain|never looked back|best \w+ (in town|ever))\b",
        r"\bthanks?( you)? (\w+ )?(for|to) (sorting|helping|the|all|everything|your)\b",
    ),
    *rules(
        "wishful",
        r"\b(one day|someday|some day|when (i'?m|we'?re|i am|we are) rich|lottery|if only|i wish|"
        r"wish i could|"
        r"can'?t afford|cannot afford|could never afford|never afford|in my dreams|my bank account)\b",
        r"\bdream (car|house|home|kitchen|holiday|vacation|job|bike|trip|wedding|bathroom)\b",
        r"\b(goals|bucket list)\b",
    ),
    *rules(
        "spam",
        r"\bcheck (out )?(my|our) (page|profile|channel|bio|store|shop)\b|\bfollow (me|us|my)\b",
        r"\b(dm|message|inbox|text) (me|us) for\b|\bearn \W?\d|\b(make|earn) money\b|\bwork from home\b",
        r"\bfree (iphone|followers|money|gift card)\b|\bclick (the|my) link\b|\b\d+k followers\b",
        r"\bcongratulations?\W+you ('?ve been|have been|are|were) (selected|chosen)\b",
        r"\bcome (see|visit) us\b|\bwe('ll| will)? (beat|match) (any|your)\b|\b(visit|check out) our\b",
    ),
    *rules(
        "job",
        rf"\b(are|r) {_YOU} (hiring|recruiting)\b|\bhiring\s*\?|\b(is|are) the \w+ hiring\b",
        r"\b(my|a) (cv|resume|résumé)\b|\blooking for (a |an )?(job|work|position|internship|"
        r"apprenticeship)\b",
        r"\b(job|jobs|vacanc\w+|internships?|interns|apprentice\w*|work experience|job openings?)\b",
        r"\b(years?|yrs) (of )?(\w+ ){0,2}experience\b|\bopenings for\b",
    ),
    # A decision, an urgent need, a price that fits the budget, a visit to the shop: people who are buying
    # say so in these shapes ("Decided: I'm getting the armchair", "need a bed asap").
    *rules(
        "purchase",
        r"\b(i'?m|i am|we'?re|we are) (getting|buying|ordering|going with|taking) (the|a|an|one|that|this)\b",
        r"\bdecided\b.{0,20}\b(getting|buying|ordering|taking|going with)\b",
        r"\b(i|we) (need|needs) (a|an|the|some|new|one|two) (\w+ ){0,3}(asap|urgently|as soon as possible|"
        r"by (next|this|the end|friday|monday|tomorrow)|before (we|i) move)\b",
        r"\b(in|within|fits?) (my|our) budget\b",
        r"\b(i|we) (\w+ )?need (\w+ ){0,6}for (the|our|my) new (flat|house|home|place|apartment|office|"
        r"kitchen|room)\b",
        r"\b(it'?s|is|put (it|them)|added (it|them)?|going|goes|went) (in|to|into) (my|the|our) (shopping )?"
        r"(cart|basket|trolley)\b",
        r"\bbefore (i|we) (order|buy|book|purchase|commit|pay)\b",
        weight=2.2,
        label="says they are buying",
    ),
    *rules(
        "logistics",
        r"\b(heading|going|coming|popping|stopping|dropping|swinging) (\w+ )?(to|into|in to|by|round to|"
        r"over to) (the|your|ur) (store|shop|showroom|warehouse|branch)\b",
        r"\b(i'?ll|we'?ll|i will|we will) (come|pop|stop|drop|swing) (in|by|into|over)\b(?! (the|my|our) "
        r"(mailbox|inbox|dms?))",
        label="says they are coming to the shop",
        weight=1.6,
    ),
    *rules(
        "timeline",
        r"\b(asap|as soon as possible|urgently)\b|\bbefore the end of (the|this|next) (month|week|year)\b",
        r"\b(by|before) (next|this) (week|weekend|month|friday|saturday|sunday|monday)\b",
        r"\b(moving|move) (in|house|out|flat|home)? ?(next|this|in (\d+|a|two|three|four|a few)) "
        r"(week|weeks|month|months)\b|\b(just moved|new build) (in|into)\b",
    ),
)

"""Lay and clinical wordings of non-pain DDXPlus findings that need a pattern rather than a
fixed phrase (the fixed ones are :mod:`panels.offline.lay_words`): a finding said with a verb,
an order or a word in between. Pure data, appended to the shorthand
(``wording.PHRASINGS``), with the same rule as lay_words: each entry is how clinicians,
patients or parents generally say the finding, not a sentence lifted from a development case.
"""

from __future__ import annotations

from panels.offline.lay_airway import AIRWAY_PHRASINGS
from panels.offline.lay_history import HISTORY_PHRASINGS

_BOUT = r"(?:fits?|spells?|bouts?|paroxysms?|attacks?|runs?)"
# What a nose, eyes or chest commonly react to, and how that reaction is said.
_ALLERGEN = (
    r"(?:cats?|kittens?|dogs?|pupp(?:y|ies)|pets?|horses?|rabbits?|hamsters?|guinea pigs?"
    r"|dust\w*|hoover\w*|vacuum\w*|pollens?|grass(?:es)?|hay|mou?ld|feathers)"
)
_EXPOSED = (
    rf"\b(?:when(?:ever)?|every time|each time|since|around|near)\b(?: [\w']+){{0,8}}?"
    rf" {_ALLERGEN}\b"
)
_REACTING = r"\b(?:sneez\w*|nose|nasal|eyes?|itch\w*|wheez\w*|streaming)\b"
# Stopping to rest, and what then happens to a symptom brought on by effort.
_RESTING = (
    r"(?:stops?|stopped|stopping|(?<!at )(?<!at a )(?<!while )(?<!when )(?<!even )"
    r"(?:rests?|rested|resting)|stands? still|stood still|standing still|sits? down"
    r"|slows? down)"
)
_EASING = (
    r"(?:goes|go|went|gone|wears?|wore) (?:away|off)|eases|eased|settles|settled|passes"
    r"|passed|disappears|disappeared|subsides|subsided|is finished|is gone|fades|clears"
)
_WHO = r"(?:i|he|she|they|you|we)"
# An infectious illness named by its kind, as a history states one that came before.
_ILLNESS = (
    r"(?:(?:flu|influenza)[- ]like|viral|febrile|diarrhoeal|gastrointestinal|respiratory"
    r"|upper respiratory|coryzal|chesty|gastro)(?:,? (?:and )?(?:(?:flu|influenza)[- ]like"
    r"|viral|febrile|diarrhoeal|gastrointestinal|respiratory|coryzal))* (?:illness|infection"
    r"|bug)"
)
_PAIN = r"(?:pain|pains|ache|aches|discomfort|headache)"
# The rest of a clause's words, up to a stop, a bracket or a denial ("sudden chest pain
# in the left side, no fever": up to the comma).
_TO_END = (
    r"[^.;,(\n]*?(?=[.;,(\n]|$|\b(?:but|however|although|though|except|no|not|denies"
    r"|without|nor)\b)"
)
_NOT = r"(?!\b(?:not|never|no|even|didn't|doesn't|hasn't|won't|isn't|wasn't|can't)\b)"

# Rewritten after the shorthand (appended to ``wording.PHRASINGS``): a finding said with a verb,
# an order or a word in between that no fixed phrase lists. Pattern -> replacement.
LAY_PHRASINGS: tuple[tuple[str, str], ...] = (
    # "Fits" that are coughing or sneezing bouts are not seizures: "between (the) fits" of a
    # cough, "coughs in fits", "sneezing fits", "in fits and starts".
    (r"(?i)\bbetween (?:the |these |his |her |coughing |cough )?fits\b", "between episodes"),
    (r"(?i)\bin fits and starts\b", "on and off"),
    (r"(?i)\bcough(?:s|ed|ing)? (?:in|with) fits\b", "coughing fits"),
    (r"(?i)\bsneez\w* (?:fits?|attacks?|bouts?|spells?|episodes?)\b", "sneezing"),
    # "violent bouts of ten to fifteen coughs", "runs of coughs": coughing fits.
    (rf"(?i)\b{_BOUT} of (?:[\w-]+ ){{0,4}}?coughs?\b", "coughing fits"),
    # A breath drawn in noisily after coughing is the whoop ("coughs and coughs ... then
    # gasps in with a loud noise", "takes a long, high-pitched noisy breath in").
    (
        r"(?i)\bcough\w*\b[^.\n]{0,160}?(?:\b(?:breath(?:es|ing)?|gasp(?:s|ing)?|draws?|drawing"
        r"|pulls?|pulling|sucks?|sucking) in\b[^.;\n]{0,40}?\b(?:noise|sound|whoop\w*|crow\w*"
        r"|squeak\w*)\b|\b(?:noisy|whooping|crowing|high[- ]pitched) (?:breath|intake"
        r"|inspiration)\b)",
        "\\g<0> (whoop)",
    ),
    # Vomiting or being sick at the end of a coughing bout, later in the same sentence.
    (
        rf"(?i)\b(?:{_BOUT} of coughing|coughing {_BOUT}|cough(?:s|ing)? (?:and cough\w* )?"
        r"(?:until|till|so hard)\b)[^.\n]{0,200}?\b(?:vomit\w*|(?:is |s |being )?sick after\w*"
        r"|throws? up|threw up|brings? up (?:her |his )?(?:food|feeds?))",
        "\\g<0> (vomiting after coughing)",
    ),
    # A nose whose discharge is thick, yellow or green ("what comes out of my nose is thick
    # and yellow-green", "thick yellow-green discharge from the nose").
    (
        r"(?i)\b(?:thick|yellow|green|yellowy|greeny|greenish|yellowish)(?:[- ](?:and |& )?"
        r"(?:yellow|green|yellowy|greeny|greenish|yellowish|thick))* (?:discharge|mucus|snot"
        r"|stuff|gunk)\b[^.;,\n]{0,20}?\b(?:from|out of|in) (?:the |my |his |her |their )?"
        r"(?:nose|nostrils?)\b",
        "\\g<0> (purulent nasal discharge)",
    ),
    (
        r"(?i)\b(?:nose|nostrils?|blow(?:ing)? out|comes? out|coming out)\b[^.;,\n]{0,30}? is "
        r"(?:thick(?:,| and)? )?(?:yellow|green|yellowy|greeny|greenish|yellowish)(?:[- ]green"
        r"|[- ]yellow)?\b",
        "\\g<0> (purulent nasal discharge)",
    ),
    # Itch said with a verb: "the roof of my mouth itches", "my eyes swell and itch".
    (r"(?i)\beyes\b(?: \w+){0,3}? itch(?:es|ing|y)?\b", "\\g<0> (itchy eyes)"),
    (
        r"(?i)\b(?:roof of (?:my |his |her |the )?mouth|palate)\b(?: \w+){0,2}?"
        r" itch(?:es|ing|y)?\b",
        "itchy palate",
    ),
    # Eyelids that droop or will not stay open, in any tense.
    (
        r"(?i)\b(?:eye ?)?lids? (?:(?:is|are|was|were|has|have|had|been|keeps?|kept|started"
        r"|starts|begins?|began|getting|gets|got|going|goes|went|to|a bit|slightly|really) )"
        r"{0,3}(?:droop\w*|sag\w*|clos(?:e|es|ing) by themselves)\b",
        "drooping eyelid",
    ),
    # A jaw that is stiff, tight or locked, in any tense.
    (
        r"(?i)\bjaw (?:is |was |feels |felt |has gone |went |got |gets |keeps )?(?:really |very "
        r"|so |all )?(?:stiff|tight|locked|clenched|stuck)\b",
        "jaw stiff",
    ),
    # Eyes turned up and held there (an oculogyric crisis).
    (
        r"(?i)\beyes? ['\u2018\u2019]?(?:(?:keep|keeps|kept|are|were|is|intermittently"
        r"|repeatedly|getting|fixed|stuck) ){0,2}(?:rolling|rolled|roll|rolls|stuck|fixed"
        r"|turning|turned|looking|deviated|deviating|going)(?: \w+)? (?:up|upwards?)\b",
        "eyes rolling up",
    ),
    # A small child tugging at a sided ear ("tugging R ear", after R became "right").
    (
        r"(?i)\b(?:pulling|tugging|rubbing|holding) (?:at |on )?(?:his |her |their |the )?"
        r"((?:right|left) ears?)\b",
        r"\1 earache",
    ),
    # Stacked adjectives of a sore throat ("scratchy painful throat", "raw, sore throat").
    (
        r"(?i)\b(?:scratchy|raw|painful|burning|tickly|rough)(?:,? (?:and )?(?:sore|scratchy|raw"
        r"|painful|burning|tickly|rough))+ throat\b",
        "sore throat",
    ),
    # Weakness said of both legs with words between ("weakness climbing from his legs").
    (
        r"(?i)\bweak(?:ness)?\b[^.;,\n]{0,25}?\b(?:both |the |his |her |my |their )?legs\b",
        "\\g<0> (leg weakness)",
    ),
    # Sputum that has turned colour or grown ("what I'm coughing up has gone green").
    (
        r"(?i)\b(?:coughing|cough(?:s|ed)?|bringing|spitting) up\b(?! blood| bits of blood)"
        r"[^.;\n]{0,40}?\b(?:green\w*|yellow\w*|brown\w*|thick|dirty|purulent|more of it)\b",
        "\\g<0> (coloured sputum)",
    ),
    # Waking at night gasping or breathless (paroxysmal nocturnal dyspnoea).
    (
        r"(?i)\b(?:woke|wakes|waking|woken|waken?s?)\b(?: [\w:]+){0,5}? (?:gasping|breathless"
        r"|short of breath|fighting for breath|struggling for breath)\b",
        "\\g<0> (wakes at night breathless)",
    ),
    (
        r"(?i)\b(?:breathlessness|shortness of breath|dyspnoea|dyspnea|gasping|choking)"
        r"(?: \w+){0,2}? (?:woke|wakes|waking|woken) (?:him|her|me|them)?\b",
        "\\g<0> (wakes at night breathless)",
    ),
    # A dilated or ischaemic cardiomyopathy is heart failure; an ischaemic one is coronary
    # disease's. (A low ejection fraction alone is not read: in an acute myocarditis it is
    # the illness of now, not a heart failure the patient has.)
    (r"(?i)\b(?:ischaemic|ischemic) cardiomyopathy\b", "heart failure and coronary artery disease"),
    (r"(?i)\b(?:dilated|congestive) cardiomyopathy\b", "heart failure"),
    # A high-pitched noise (squeaking, crowing) is stridor; a high-pitched whoop is not.
    (
        r"(?i)\bhigh[- ]pitched (?!whoop)(?:\w+ )?(?:noise|sound)\b",
        "stridor",
    ),
    # Cancer that is metastatic or active now.
    (r"(?i)\bmetastatic (?:[\w-]+ ){0,2}(?:cancer|carcinoma|malignancy)\b", "metastatic cancer"),
    (
        r"(?i)\b(?:active|current|ongoing|known) (?:[\w-]+ ){0,2}(?:cancer|malignancy)\b",
        "active cancer",
    ),
    # Red or tender nodules on the skin (erythema nodosum).
    (
        r"(?i)\b(?:red|tender|painful|erythematous|raised|violaceous)\b[^.;\n]{0,25}?"
        r"\b(?:nodules|plaques|raised lumps)\b",
        "\\g<0> (skin nodules)",
    ),
    # A swelling above or at the pubic tubercle is in the groin, whatever words stand between.
    (
        r"(?i)\b(?:swelling|lump|bulge|mass)\b(?=[^.;\n]{0,40}?\b(?:above|medial to|over|at)\b"
        r"[^.;\n]{0,20}?\bpubic tubercle\b)",
        "groin lump",
    ),
    # A groin lump or bulge is the knowledge base's lesion in the groin (how its inguinal
    # hernia rows are written), not a swelling elsewhere; notes drop the preposition ("lump
    # R groin").
    (
        r"(?i)(?<!no )(?<!without )\b(?:lump|bulge|swelling|mass|hernia)s? (?:(?:in|on|at|over) "
        r"(?:the |my |his |her |their )?)?((?:right |left )?)(?:groin|inguinal (?:region|area))\b",
        r"skin lesions on the \1groin",
    ),
    (
        r"(?i)(?<!no )(?<!without )\b((?:right |left )?)(?:groin|inguinal) "
        r"(?:lump|bulge|swelling|mass)\b",
        r"skin lesions on the \1groin",
    ),
    # A lump that grows or pops out on coughing, straining or lifting.
    (
        r"(?i)\b(?:gets?|getting|got|becomes?|goes|grows?) (?:bigger|larger)\b[^.;\n]{0,40}?"
        r"\b(?:cough\w*|strain\w*|lift\w*)\b|\b(?:pops?|comes?|sticks?|bulges?) out\b[^.;\n]"
        r"{0,30}?\b(?:cough\w*|strain\w*|lift\w*)\b",
        "worse on straining",
    ),
    # A belly or chest sucking in under the ribs with each breath is recession.
    (
        r"(?i)\b(?:tummy|belly|stomach|chest|skin|ribs)\b[^.;,\n]{0,20}?\bsuck(?:s|ing|ed)? in\b",
        "\\g<0> (recession)",
    ),
    # Sweat that soaks the sheets; clothes that have grown loose (weight loss).
    (
        r"(?i)\b(?:soak\w*|drench\w*)\b[^.;,\n]{0,25}?\b(?:sheets|bedclothes|pyjamas|sweat\w*)\b",
        "\\g<0> (night sweats)",
    ),
    (
        r"(?i)\b(?:clothes|trousers|jeans|belt|dress(?:es)?)\b[^.;,\n]{0,20}?\b(?:loose|looser"
        r"|falling off|hanging off)\b",
        "\\g<0> (weight loss)",
    ),
    # "(almost) no sense of smell" states its loss, it denies nothing.
    (r"(?i)\b(?:almost |nearly |virtually )?(?:no|zero) sense of smell\b", "anosmia"),
    # A symptom that goes when one stops or stands still ("if I stop and rest for a couple of
    # minutes it goes away", "it goes away within minutes if I stand still"): effort brought it
    # on, rest relieves it. Never "at rest", nor a symptom that does not go.
    # The "if" is part of the finding, not a hypothesis.
    (
        rf"(?i)\b(?:(?:if|when|whenever|once) {_WHO} )?{_RESTING}\b(?:{_NOT}[^.;\n]){{0,50}}?"
        rf"\b(?:{_EASING})\b",
        "relieved by rest",
    ),
    (
        rf"(?i)(?<!n't )(?<!not )(?<!never )\b(?:{_EASING})\b(?:{_NOT}[^.;\n]){{0,40}}?"
        rf"\b(?:if|when|whenever|once|as soon as) {_WHO} {_RESTING}\b",
        "relieved by rest",
    ),
    # A viral, flu-like or febrile illness that came before ("2 weeks after a flu-like
    # illness", "a viral gastrointestinal illness ten days earlier") is a recent viral
    # infection, not today's fever or runny nose.
    (
        rf"(?i)\b(?:after|following|preceded by|since|had) (?:a |an |the |his |her |my )?"
        rf"(?:recent |mild |bad |short |brief )?{_ILLNESS}\b",
        "recent viral illness",
    ),
    (
        rf"(?i)\b{_ILLNESS}\b(?= (?:\d+|a|one|two|three|ten|a few) ?(?:d|days?|wks?|weeks?)"
        r" (?:ago|earlier|before|prior)\b)",
        "recent viral illness",
    ),
    # A malar (butterfly) rash is a rash across the cheeks and the bridge of the nose; a rash
    # over the malar region or eminences is on the cheeks.
    (
        r"(?i)(?<!no )(?<!without )\b(?:malar|butterfly)(?:[- ]shaped)? "
        r"(?:rash|erythema|eruption)\b",
        "rash across the cheeks and nose",
    ),
    (r"(?i)\bmalar (?:regions?|areas?|eminences?)\b", "cheeks"),
    # Ulcers or sores in the mouth, on the palate, gums or tongue are mouth ulcers.
    (
        r"(?i)\b(?:ulcers?|ulcerations?|sores) (?:on|of|in|inside|over) (?:the |her |his |my "
        r"|their )?(?:(?:hard|soft) )?(?:palate|mouth|gums?|tongue|buccal mucosa|inner cheeks?)\b",
        "mouth ulcers",
    ),
    # A rash's colour said before it ("a red, raised rash", "an erythematous rash"). Red is
    # the colour DDXPlus gives lupus' rash alone, on the face: a red rash elsewhere (a tick
    # bite's, a cellulitis') says no colour, lest every red rash read as lupus.
    (r"(?i)\berythematous(?=(?:,? [a-z]+){0,2} (?:rash|eruption|skin lesions?)\b)", "red"),
    (
        r"(?i)(?<!no )(?<!without )\b(pink|red(?=[^.;\n]*\b(?:cheeks?|face|facial|nose|malar)\b))"
        r"(?:,? (?:raised|blotchy|itchy|scaly|flat|patchy"
        r"|macular|papular|maculopapular|blanching|photosensitive|tender|painful|swollen"
        r"|skin|facial)){0,2} (?:rash|eruption|skin lesions?)\b",
        "(rash colour \\1) \\g<0>",
    ),
    # Smoking since an age is smoking now ("he's smoked since he was 14"), unless the
    # sentence says it stopped.
    (
        r"(?i)\b(?:has |have |s )?smoked since\b(?![^.;\n]*\b(?:quit|stopped|gave up)\b)",
        "smoker, smoked since",
    ),
    # An eye that streams or waters, and a nose that blocks up or runs, with words between
    # ("my right eye streams tears", "my nose on that side blocks up").
    (
        r"(?i)\b(?:eyes?|tears)\b(?: \w+){0,3}? (?:streams?|streaming|waters|watering|pours?"
        r"|pouring)\b",
        "\\g<0> (watery eyes)",
    ),
    (
        r"(?i)\b(?:nose|nostril)\b(?: \w+){1,4}? (?:blocks up|gets blocked|is blocked|runs"
        r"|is running|streams|is streaming)\b",
        "\\g<0> (blocked nose)",
    ),
    # Periods that are (very) heavy or flooding; sputum streaked or tinged with blood.
    (
        r"(?i)(?<!no )\bperiods? (?:are |were |have been |has been |got |getting )?(?:very |really "
        r"|so |extremely |quite )?(?:heavy|flooding)\b",
        "heavy periods",
    ),
    (
        r"(?i)\b(?:sputum|phlegm|mucus)\b(?: \w+){0,4}? (?:streaked|flecked|tinged|stained) "
        r"with blood\b",
        "\\g<0> (blood-streaked sputum)",
    ),
    # Lips or a mouth that go tingly or numb: perioral tingling.
    (
        r"(?i)\b(?:lips|mouth)\b(?: \w+){0,2}? (?:tingl\w*|numb)\b"
        r"|\b(?:tingly|tingling|numb) (?:lips|mouth)\b",
        "\\g<0> (perioral tingling)",
    ),
    # A swelling that can be pushed back is a hernia's lump, not an oedema.
    (r"(?i)\breducible (?:swelling|lump|bulge|mass)\b", "reducible lump"),
    # A cold that came before the complaint: "a runny nose before", "a sniffle the week
    # before", "coryza x2d prior" (not "a runny nose before bed", nor "felt cold earlier").
    (
        r"(?i)\b(?:a (?:bad |heavy |head )?cold|runny nose|sniffles?|snuffles?|coryza"
        r"|coryzal symptoms)(?: x ?\d+ ?[dw]"
        r"| for (?:a |\w+ )?(?:days?|weeks?)| the (?:week|day|days)| a (?:week|few days)"
        r"| (?:\w+ )?days)? (?:before(?:hand)?|prior|earlier)\b(?! (?:bed|meals?|eating|food))",
        "\\g<0> (recent cold)",
    ),
    # A patient's own allergic disposition: allergic to an animal, dust or pollen; a nose, eyes
    # or chest that react whenever the patient is near one; symptoms that antihistamines help.
    (
        rf"(?i)\ballergic to (?:the |our |my |his |her )?{_ALLERGEN}\b"
        rf"|\b{_ALLERGEN}(?: mites?)?[- ]allerg\w*",
        "\\g<0> (prone to common allergies)",
    ),
    (
        rf"(?i){_EXPOSED}[^.;\n]*?{_REACTING}|{_REACTING}[^.;\n]*?{_EXPOSED}",
        "\\g<0> (prone to common allergies)",
    ),
    (
        r"(?i)\b(?:anti-?histamines?|cetirizine|loratadine|fexofenadine|chlorphenamine|piriton)\b"
        r"(?:(?!\bnot\b|n't\b|\bno\b)[^.;\n]){0,40}?\b(?:help\w*|work\w*|relie\w*|settle[sd]?"
        r"|ease[sd]?|better|improve\w*)\b",
        "\\g<0> (prone to common allergies)",
    ),
    # A nose said to be blocked or running with a verb ("my nose has been blocked on both
    # sides", "his nose is constantly stuffed up"); a denial ("is not blocked") does not match.
    (
        r"(?i)\b(?:nose|nostrils?)\b (?:(?:is|are|was|were|has been|have been|gets?|got|feels?"
        r"|felt|keeps? getting|always|constantly|permanently|completely|totally|really|so|very"
        r"|all|a bit|nearly always|often) ){1,3}(?:blocked|stuffed(?: up)?|stuffy|bunged(?: up)?"
        r"|congested|runny|running|streaming|dripping)\b",
        "\\g<0> (blocked nose)",
    ),
    # Mucus running down the back of the throat is a post-nasal drip.
    (
        r"(?i)\b(?:mucus|phlegm|snot|stuff|gunk)\b[^.;,\n]{0,20}?\b(?:runs?|running|drips?"
        r"|dripping|trickles?|trickling)\b (?:down )?(?:the )?back of (?:my |his |her |the )?"
        r"throat",
        "\\g<0> (post-nasal drip)",
    ),
    # Polyps seen in the nose ("bilateral polyps in the middle meatus", "grape-like swellings
    # in both nostrils"), not polyps elsewhere.
    (
        r"(?i)\bpolyps?\b(?=[^.;\n]{0,40}?\b(?:nose|nasal|nostrils?|meatus|meatuses|sinus\w*)\b)"
        r"|\b(?:nasal|nose|nostrils?|sinonasal|endoscopy)\b[^.;\n]{0,40}?\bpolyps?\b"
        r"|\bgrape-like (?:swellings?|growths?|lumps?)\b(?=[^.;\n]{0,20}?\b(?:nose|nostrils?)\b)",
        "\\g<0> (nasal polyps)",
    ),
    # A throat whose pain grows on swallowing ("sore, worst when I swallow", "worse on
    # swallowing") hurts to swallow.
    (
        r"(?i)\b(?:worse|worst|agony|agonising|excruciating)\b,? (?:when|on|with|while|as) "
        r"(?:i |he |she |they |you )?(?:swallow|swallows|swallowing)\b",
        "\\g<0> (painful swallowing)",
    ),
    # An appetite said to be gone ("no appetite at all", "lost her appetite") is a loss of
    # appetite, not a denial.
    (
        r"(?i)\b(?:(?:i've |i have |he has |she has |has |with )?no|(?:has |have )?lost(?: my| his"
        r"| her| their| all)?|poor|hardly any|not much|zero) appetite\b"
        r"(?! (?:loss|lost|change|changes|changed|problems?|issues?|disturbances?)\b)",
        "loss of appetite",
    ),
    # Too unwell to get up ("can barely get out of bed", "in bed all day").
    (
        r"(?i)\b(?:(?:cannot|can't|can not|couldn't|could not|unable to)(?: even)?"
        r"|(?:can |could )?(?:barely|hardly)) (?:get|got|getting) out of bed\b"
        r"|\b(?:in|stayed in|staying in|confined to) bed all day\b",
        "too tired to get up (exhaustion)",
    ),
    # Vaccinations said with a verb to be up to date ("her jabs are all up to date").
    (
        r"(?i)\b(?:vaccin\w*|immuni[sz]ations?|jabs|imms)\b (?:are|is|were) (?:all |fully )?"
        r"up to date\b",
        "vaccinations up to date",
    ),
    # Aches in every bone are aches all over.
    (r"(?i)\bevery (?:bone|muscle|joint) (?:in (?:my|his|her) body )?(?:hurts|aches)\b", "myalgia"),
    # A pain that came on suddenly ("sudden onset sharp chest pain", "the pain started all of
    # a sudden") has the fastest onset of the knowledge base's 0-10 scale (E_59), written at
    # the end of the pain's words so that its place is still read with it.
    (
        rf"(?i)\b(?:sudden|suddenly|abrupt|abruptly|all of a sudden)\b"
        rf"(?:(?!\b(?:no|not|nor|without|denies)\b)[^.;\n]){{0,40}}?\b{_PAIN}\b"
        rf"{_TO_END}"
        rf"|\b{_PAIN}\b[^.;,\n]{{0,30}}?\b(?:came on|comes on|come on|started|starts|began"
        r"|begins|was|of) (?:very |quite )?(?:suddenly|abruptly|all of a sudden|sudden onset"
        r"|abrupt onset)\b"
        rf"|\b{_PAIN}\b,? (?:of )?(?:sudden|abrupt) onset\b",
        "\\g<0> (pain onset speed 9/10)",
    ),
    # A pain that began while sitting or resting began at rest (E_14, kept with a chest pain:
    # "came on while sitting watching TV", "whilst sat at his desk"); not a pain eased by
    # sitting up or forward.
    (
        r"(?i)(?<!better )(?<!easier )(?<!eased )(?<!relieved )(?<!worse )(?<!easing )"
        r"\b(?:while|whilst|when) (?:(?:i|he|she|they|we) )?(?:(?:was|were|am|is|are) )?"
        r"(?:sitting|sat|resting|watching (?:tv|television))\b"
        r"(?! (?:up|upright|forwards?|still)\b)",
        "\\g<0> (at rest)",
    ),
    # Symptoms that come with or after a meal are worse after eating (E_215): "after dinner",
    # "within an hour of eating", "after a big meal"; not a pain that eating eases.
    (
        r"(?i)(?<!better )(?<!easier )(?<!eased )(?<!relieved )(?<!settles )(?<!improves )"
        r"\b(?:after|following|within (?:an hour|half an hour|\w+ minutes|minutes) of)"
        r" (?:(?:a|my|his|her|their|big|large|heavy|rich|spicy|fatty|greasy|evening) )*"
        r"(?:dinner|lunch|supper|breakfast|tea|meals?|food|eating)\b",
        "\\g<0> (after meals)",
    ),
    # Acid or a sour, bitter taste in the mouth or throat, and a burning that rises from the
    # stomach or behind the breastbone, is the KB's rising burn (E_173).
    (
        r"(?i)\btast(?:e|es|ed|ing) (?:of )?(?:acid|bile|sour|bitter)\b"
        r"|\b(?:acid|bile|sour|bitter) (?:taste|tasting)\b",
        "acid taste",
    ),
    (
        r"(?i)\bburn(?:ing|s)?(?: (?:feeling|sensation|pain))?(?: (?:that|which))? (?:comes?|coming"
        r"|rises?|rising|goes|going|moves?|moving|creeps?|creeping|travels?|travelling) up\b",
        "\\g<0> (acid coming up)",
    ),
    # Bowels that still work (E_150), said after a denial it is no part of ("no vomiting,
    # bowels open, passing flatus"): a clause of its own, unless a denial comes right before
    # it ("not passing wind" stays denied).
    (
        r"(?<!not )(?<!no )(?<!n't )(?<!nor )(?<!or )(?<!without )(?<!unable to )(?<!been )"
        r"(?<!stopped )"
        r"(?:\b(?i:passing|passes|passed) (?i:flatus|wind|gas|stools?)\b"
        r"|\b(?i:bowels?) (?i:(?:are |is |have been |has been )?(?:opening|open|opened|working"
        r"|moving)(?: normally| fine| regularly| ok| okay)?|(?:are |is )?(?:normal|fine|ok|okay"
        r"|regular))\b"
        r"|\b(?i:(?:normal|regular) bowel (?:habits?|movements?|motions?)"
        r"|bowel habits? (?:is |are )?(?:normal|unchanged|regular))\b"
        r"|\bBO (?:normal|fine|regular|ok|\+|open)(?!\w)"
        r"|\b(?i:going to the (?:toilet|loo|bathroom) (?:normally|as normal|fine|ok))\b"
        r"|\b(?i:no problems? with (?:my|his|her|their|the) bowels?)\b)",
        "; passing flatus",
    ),
    # A face that flushes (E_92), said with a verb: "my face and neck went bright red",
    # "her cheeks turned red". Not a face reddening with a cough (a whooping cough's fits).
    (
        r"(?i)\b(?:my|his|her|their|the|your) (?:face|cheeks)(?: and (?:neck|chest|ears))?"
        r" (?:suddenly )?(?:went|turned|became|goes|turns) (?:bright |very |all )?"
        r"(?:red|flushed|scarlet|crimson)\b(?![^.;\n]{0,40}\bcough)",
        "facial flushing",
    ),
    # "The worst pain of my life behind my eye": the pain is behind the eye.
    (r"(?i)\b(pain|ache|headache) of (?:my|his|her|their|your) life\b", r"\1"),
)
LAY_PHRASINGS += AIRWAY_PHRASINGS
LAY_PHRASINGS += HISTORY_PHRASINGS

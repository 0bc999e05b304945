"""The rule-based user's words: phrase banks the voice (voice.py) picks from with the dialogue's rng.

Placeholders: {x} the row as the user names it ({xs}: whose), {f} a field, {v} a value, {t} the linked
rows, {n}/{ns}/{an} the noun (one, several, with its article), {o} highest/lowest, {lo}/{hi} a range,
{vals} the new row's values; in corrections {a} the value said by mistake and {b} the one meant.
Banks are wide on purpose: a single database gives every dialogue the same nouns and fields, so the
words around them have to vary.
"""

GREETINGS = {
    "terse": ("", "hi. ", "hey. "),
    "chatty": ("Hi there! ", "Hello! Hope you're well. ", "Hey, good morning! ", "Hi! Busy day here. ",
               "Hello hello! ", "Hey there, thanks for picking this up. "),
    "vague": ("hi, ", "hey, um, ", "hello. ", "hi... ", "oh hi, "),
    "precise": ("Hello. ", "Good afternoon. ", "Good morning. ", "Hello, I have a specific request. "),
    "impatient": ("", "ok, ", "right, ", "listen, "),
    "non_native": ("Hello, ", "Hi, good day. ", "Hello, good morning. ", "Hi, I have question. "),
}

REQUESTS: dict[str, tuple[str, ...]] = {
    "find": ('do we still have {x}?', "I'm checking on {x}.", "what's on record for {x}?", 'can you open {x}?',
             'need the details for {x}.', 'is {x} still listed?', "let's look at {x}.",
             'I want to find {x} in the records.', 'see if you can find {x}.', 'what do we have under {x}?',
             'any record of {x}?', 'hunting for {x} here.', 'need to see {x}.', "where's {x} in there?",
             'can you look up {x}?', "I'm trying to find {x}.", 'do you have {x} in there?', 'pull up {x} for me.',
             'I need {x}, can you find it?', 'is {x} in the system?', 'could you check {x}?',
             'start with {x}, would you?', 'first thing: {x}. what do you have on it?', 'got anything on {x}?',
             "let's begin with {x}.", 'look for {x} real quick.', "I'm after {x}.", 'search for {x}, please.',
             'what have you got for {x}?', 'bring up {x}.', 'find me {x}.', 'is there a record for {x}?',
             'let me see {x}.', "I'd like to check on {x}.", '{x}, is it in there?', 'can you dig up {x}?'),
    "detail": ('{x}, {f}?', "what's the {f} like for {x}?", 'quick check on {xs} {f}.', 'got the {f} for {x}?',
               '{f} for {x}, can you check?', "what's {xs} {f}?", 'what {f} does {x} have?',
               'tell me the {f} for {x}.', 'I need {xs} {f}.', '{f} of {x}?', 'and what about {x}, the {f}?',
               'how about {x}: its {f}?', 'remind me of {xs} {f}.', 'do you know {xs} {f} offhand?',
               "I'm curious about the {f} for {x}.", 'what does it say for {x} under {f}?',
               'which {f} is on file for {x}?', 'give me the {f} of {x}.', 'can you read me {xs} {f}?',
               "what's listed as the {f} for {x}?", 'I want to know {xs} {f}.', "and {x}, what's the {f} there?",
               'check the {f} on {x} for me.'),
    "children": ('what {t} does {x} have on file?', 'pull up {xs} {t}.', 'let me see the {t} for {x}.',
                 'does {x} have any {t}? which ones?', 'the {t} under {x}, what are they?',
                 'run me through {xs} {t}.', '{t} for {x}?', 'I want to see everything {x} has in {t}.',
                 "what's listed for {x} in {t}?", 'can I get the {t} tied to {x}?', 'what {t} came in for {x}?',
                 'show the {t} linked to {x}.', '{xs} {t}, what are they?', 'anything listed under {x}? {t}, I mean.',
                 'who or what are the {t} for {x}?', 'got a list of {xs} {t}?', 'which {t} does {x} have?',
                 'what {t} are linked to {x}?', 'can you list the {t} for {x}?', 'show me {xs} {t}.',
                 'any {t} under {x}?', "I'd like to see the {t} of {x}.", 'pull the {t} attached to {x}.',
                 'what {t} go with {x}?', 'walk me through {xs} {t}.', 'are there {t} on {x}?',
                 'what {t} sit under {x}?', 'list out {xs} {t}.', 'give me the {t} that belong to {x}.',
                 'which {t} are on {x}?', 'I need the {t} for {x}.'),
    "parent": ('where does {x} belong, which {t}?', 'which {t} is {x} with?', '{xs} {t}, which one is it?',
               "who's the {t} for {x}?", 'what {t} is {x} attached to?', 'I need the {t} behind {x}.',
               '{x} is tied to which {t}?', 'what {t} does {x} fall under?', 'what {t} is {x} part of?',
               "what's the {t} for {x}?", 'which {t} is {x} under?', 'tell me the {t} that {x} is part of.',
               '{x} is under which {t}?', 'whose {t} is {x}?', 'which {t} does {x} belong to?',
               'what {t} goes with {x}?', 'and the {t} behind {x}?', 'can you tell me which {t} {x} sits under?'),
    "summary": ('how many {t} are on file for {x}?', 'what does {x} come to in {t}?', 'is {x} busy? how many {t}?',
                "I'd like the {t} count for {x}.", 'can you count up {xs} {t}?', "what's the total of {t} under {x}?",
                '{x}: number of {t}?', 'how many {t} has {x} had?', 'give me {xs} numbers on {t}.',
                "I'm counting {t}. how many for {x}?", 'quick count of {t} on {x}?', 'and {xs} {t}, how many?',
                'do you know how many {t} {x} has?', 'figures on {xs} {t}?', 'how many {t}, for {x}?',
                'how big is {x}, in {t}?', '{t} for {x}: how many?', 'number of {t} on {x}?',
                'ballpark, how many {t} for {x}?', 'how many {t} does {x} have?', 'give me a count of {xs} {t}.',
                'how many {t} are there for {x}?', "what's the number of {t} for {x}?", 'count {xs} {t} for me.',
                'roughly how many {t} has {x} got?', 'tally up the {t} for {x}.', 'how many {t} sit under {x}?',
                "what's the {t} count on {x}?", 'do you have totals for {xs} {t}?',
                'summarize {xs} {t} for me: how many?'),
    "update": ('{f} on {x} is now {v}, update it.', 'change {xs} {f}: {v}.', '{x} should say {f} {v}.',
               'switch {xs} {f} to {v}.', '{xs} {f} needs to be {v} now.', 'set the {f} on {x} to {v}.',
               'can you update {x}? the {f} should be {v}.', 'I want {xs} {f} changed to {v}.',
               'can you make {xs} {f} {v}?', 'put {x} down as {f} {v}.', 'the {f} for {x} should read {v}.',
               "please change the {f} on {x}, it's {v} now.", "{xs} {f} is now {v}.", 'update {x}: {f} {v}.',
               'we need {xs} {f} at {v}.'),
    "update_held": ('the {f} for {x} needs changing.', '{x} has the wrong {f}.', "I've got the new {f} for {x}.",
                    'can you correct {xs} {f}?', '{xs} {f} should be different now.', 'we changed {xs} {f}.',
                    'I need to fix {xs} {f}.', '{xs} {f} is wrong, can you fix it?', "{xs} {f} needs updating.",
                    'the {f} on {x} is out of date.', 'can we change the {f} for {x}?', '{xs} {f} has changed.'),
    "delete": ('I need {x} removed.', 'delete {x}, please.', '{x} has to go, can you delete it?', 'get rid of {x}.',
               'can you remove {x} from the system?', "{x} shouldn't be there anymore, delete it.",
               "we're dropping {x}, remove it.", 'scrap {x}.', 'take {x} out of the records.',
               '{x} is obsolete, please delete it.', "remove {x}, we don't need it.", 'can {x} be deleted?'),
    "rank": ('which {ns} have the most {t}? the top three is fine.', 'who are the top three {ns} by number of {t}?',
             'show me the three {ns} with the most {t}.', 'top three {ns} by {t}?',
             'which {ns} lead on {t}? just the top three.', 'rank the {ns} by how many {t} they have, top three.',
             'I need the three busiest {ns}, by {t}.', 'which three {ns} have the biggest number of {t}?'),
    "top": ('which three {ns} have the {o} {f}?', 'show me the {ns} with the {o} {f}, top three.',
            'give me the three {ns} with the {o} {f}.', '{o} {f}: which three {ns}?',
            'sort the {ns} by {f} and give me the three {o}.', "I'm after the {ns} with the {o} {f}, three of them."),
    "range": ('which {ns} have {f} from {lo} up to {hi}?', 'anything with a {f} from {lo} to {hi}?',
              'list the {ns} whose {f} is {lo} to {hi}.', '{ns} with {f} {lo} to {hi}?',
              'can you find {ns} with a {f} between {lo} and {hi}?',
              'filter the {ns}: {f} at least {lo}, at most {hi}.', 'show {ns} whose {f} falls in {lo} to {hi}.'),
    "create": ("I'd like to add a new {n}, {vals}.", 'can you create {an}, {vals}?', 'new {n} to register, {vals}.',
               'please set up a new {n} {vals}.', 'add {an}: {vals}.', "we've got a new {n}. {vals}.",
               'register {an} for me, {vals}.', 'put in a new {n}, {vals}.'),
    "create_held": ('we have {an} to enter.', "I'd like to register {an}.", 'can you add {an}?',
                    "there's {an} that isn't in the system yet.", 'I need to add a new {n}.',
                    'can you create a new {n} for me?', "there's a new {n} to register.", 'I have {an} to add.',
                    'we need a new {n} in the system.', 'can you set up {an}?'),
    "find_held": ("I'm trying to track down {an}.", 'one of our {ns} needs checking.', 'can you look something up?',
                  'I need info on {an}.', "there's {an} I need details on.", 'help me find {an}?',
                  "I'm looking for {an}.", 'can you find {an} for me?', 'I need to look up {an}.',
                  "there's {an} I want to check.", 'I have a question about one of our {ns}.',
                  'can you pull up {an}?'),
}
SUMMARY_AVERAGE = (" and the average?", ", and what's the average?", ", plus the average if you have it?",
                   ", with the average too?", " and on average?", ", average as well?", ". and the mean?",
                   ". the average would help too.", ", plus an average?",
                   ". average too, if it's there.", ", and roughly the average?")
JOINS = (" also, ", " and ", ". and ", ". oh, and ", ". plus, ", ". while you're at it, ", ". then ")
# before a later request, now and then: people chain what they want
NEXT = ("next: ", "ok, now ", "another thing: ", "moving on, ", "one more: ", "now ", "and then ",
        "while you're there, ", "oh and ", "second thing, ", "now that's done, ", "alright. ")
# words people swap for one another: a template reads a little differently each time it is used
SWAPS = (
    ("can you", ("could you", "would you", "can u", "are you able to")),
    ("what's", ("what is", "whats")),
    ("I need", ("I'd like", "I want")),
    ("show me", ("give me", "get me", "let me see", "bring up")),
    ("tell me", ("let me know", "give me", "say")),
    ("look up", ("find", "check", "search for")),
    ("for me", ("for me real quick", "")),
    ("which", ("what",)),
    ("list", ("show", "give me")),
    ("I'm trying to", ("I want to", "I'm looking to")),
    ("do you have", ("is there", "have you got")),
    ("in the system", ("on file", "in the records", "in there")),
    ("remove", ("take out", "drop")),
    ("fix", ("correct", "sort out")),
    ("three", ("3",)),
    ("that's", ("that is", "thats")),
    ("I'm", ("I am", "im")),
    ("thanks", ("thank you", "thx", "many thanks")),
    ("ok", ("okay", "k", "oki")),
    ("just", ("simply", "only")),
    ("everything", ("all of it", "all I needed")),
    ("check", ("verify", "look")),
    ("all", ("everything",)),
)
# after a request, now and then: when, why or how much it matters (no courtesy words: that is the persona's)
TAILS = (" when you get a chance.", " if it's easy to pull.", " for my notes.", " before I forget.",
         " while I have you.", " if you can.")
AFTERTHOUGHTS = ("No rush.", "It's for a report.", "Just need the basics.", "I'll wait.", "Short answer is fine.",
                 "That's the main thing today.", "The rest can wait.", "I'm double-checking a list here.")
# a value taken note of; NOTED fit anything, the rest carry an expectation (not for a value just made,
# such as a new row's id)
NOTED = ("{v}, got it.", "ah, {v}. ok.", "so {v}, good to know.", "ok, {v} then.", "right, {v}.", "noted: {v}.",
         "{v}. good.", "ok so {v}.", "{v}, perfect.", "{v}, I'll write that down.", "alright, {v}.",
         "{v}, fair enough.", "so it's {v}. ok.", "{v}, cool.", "{v}, thanks for that.", "mm, {v}.")
REACTIONS = NOTED + (
    "{v}? interesting.", "{v}, makes sense.", "hm, {v}. fine.", "{v}, that's what I thought.",
    "oh, {v}? didn't expect that.", "wait, {v}? huh, alright.", "{v}, matches my notes.",
    "ah, {v}, that explains it.", "{v}, not what I remembered but ok.", "good, {v} is fine.", "{v}? really? ok.",
    "huh, {v}.", "ok, {v}, thought so.", "{v}, as expected.", "{v}, yes, I remember now.", "ah right, {v}.",
    "{v}? hm, I'd have said otherwise.", "that's {v}, good.", "{v}. so that's settled.")
ANSWERS = ("{v}.", "it's {v}.", "the {f} is {v}.", "oh right, the {f}: {v}.", "sorry, {f} {v}.",
           "{v}, I think.", "{f}? {v}.", "it's under {v}.", "{v}, if I remember right.", "should be {v}.",
           "ah, {v}.", "I have {v} written down.", "{f} is {v}, sorry for leaving that out.")
ANSWERS_WRITE = ("make it {v}.", "{f} should be {v}.", "{v} for the {f}.", "let's say {v}.", "the new {f} is {v}.",
                 "change it to {v}.", "{v}, please.", "set it to {v}.", "go with {v}.", "{v} is right.",
                 "it needs to be {v}.")
MISSING = ("that's not quite what I asked.", "hm, I still need this:", "you missed something:",
           "I already asked, can you just do it:", "we skipped one:", "still waiting on this one:")
CHATTER = ("I'm tidying up our {ns} this week.", "My manager asked me to look into this.",
           "This is for the monthly report.", "It's been a long day here.", "We had some mix-ups with the {ns} lately.",
           "I'm new to this system, so bear with me.", "I want to get this done before lunch.",
           "A colleague asked me about it this morning.", "We're auditing the {ns} before the review.",
           "Someone called about this earlier.", "I'm covering for a colleague today.",
           "The numbers looked off in last week's report.")
SIDE = ("and what's its {f}?", "what about the {f}?", "hm, and the {f}?", "does it say the {f}?",
        "one more detail: the {f}?", "and {f}?", "what {f} does it have, out of curiosity?",
        "is there a {f} on it?", "and the {f}, while you're there?", "what's it got for {f}?")
SIDE_OF = ("and what's the {f} of {x}?", "{x}: what {f} does it have?", "what about {x}, its {f}?",
           "quick one: the {f} of {x}?", "and {x}, what {f}?", "does {x} have a {f} listed?")
# what the user says when a result comes back empty, missing, all tied or zero ({v}: the shared count)
OUTCOMES = {
    "empty": ("nothing at all? hm.", "none? that's odd.", "no results? strange, I expected some.",
              "empty, really? ok.", "huh, nothing. fine."),
    "not_found": ("not found? maybe someone removed it already.", "it's not there? odd.",
                  "hm, it can't find it? ok."),
    "tied": ("all tied at {v}? ok, any of them then.", "they all have {v}? funny.", "a tie at {v}, fine."),
    "zero": ("zero? really?", "none at all, huh.", "0? I thought there'd be some."),
}
CORRECTIONS = ("wait, not {a}. make it {b}.", "hm, actually {b}, not {a}. sorry.", "oh, sorry, I meant {b}, not {a}.",
               "hold on, did I say {a}? it should be {b}.", "actually, let's go with {b} instead of {a}.",
               "no wait, {b}. my mistake.", "scratch that, the {f} should be {b}.", "ah no, {a} is wrong. {b}.",
               "oops. {b}, not {a}.", "correction: {b}. I mixed it up with something else.",
               "hmm, no, {a} was the old plan. {b}.", "sorry, typo on my end: {b}.")
SLIP_RETRY = ("sorry, I misspoke earlier.", "that's my fault, I gave you the wrong value.", "ah, I said it wrong before.")
GIVE_UP = ("never mind, I'll sort it out later.", "forget it for now.", "ok, let's leave it.")
GREET_ONLY = ("hi, can you help me with the {ns}?", "hello, I have a question about {an}.",
              "hey, I need some help with {n} stuff.", "hi there, got a minute for some {n} questions?",
              "good morning, I'm working on our {ns} today.", "hi! quick question about our {ns}.",
              "hello, is this where I ask about {ns}?", "hey, I've got a few {n} things to sort out.")

# short turns are assembled from parts, so they vary like people's do (and name what they are about)
YES = ("yes", "ok", "sure", "yep", "correct", "right", "fine", "yeah", "alright", "exactly", "yup", "great",
       "perfect", "good")
GO = ("go ahead", "do it", "go on", "please do", "that's it", "sounds good", "proceed", "that's right",
      "that's correct", "go for it", "make the change", "looks right", "you can do it")
DO_WHAT = {"update": ("change the {f}", "update it", "set the {f}", "fix the {f}", "save the new {f}"),
           "delete": ("delete it", "remove the {n}", "delete the {n}", "get rid of it", "take it out"),
           "create": ("add the {n}", "create it", "save the new {n}", "register it", "put it in")}
CHECK_HEAD = ("can you check", "could you double-check", "please verify", "just confirm", "make sure",
              "can you look again that", "would you confirm", "could you see if")
CHECK_WHAT = ("that it saved", "the {n} is right now", "the change went through", "it's there now",
              "the {f} is updated", "it really worked", "it stuck", "the record shows it now")
# a yes or a re-check that names the change: {y} a yes word, {v} the new value, {f} the field, {x} the row
APPROVE_SPECIFIC = {
    "update": ("{y}, {v} is right.", "{y}, {v} it is.", "{v}, {y}.", "{y}. set it to {v}.", "{y}, the {f} is {v}.",
               "{y}, {v}. go ahead."),
    "create": ("{y}, add {x}.", "{y}, that's {x}. go ahead.", "{x}, {y}, create it.", "{y}, put {x} in."),
    "delete": ("{y}, delete {x}.", "{y}, {x} can go.", "{x}, {y}. remove it.", "{y}, drop {x}."),
}
CHECK_SPECIFIC = {
    "update": ("does it say {v} now?", "is the {f} {v} now?", "can you check the {f} shows {v}?",
               "so it's {v} now? can you check?", "is {v} showing for the {f}?"),
    "create": ("is {x} in there now?", "can you see {x} now?", "does {x} show up now?", "check {x} is saved?"),
    "delete": ("is {x} gone now?", "can you check {x} is really gone?", "{x} doesn't show anymore, right?"),
}
SHORT_DONE = ("thanks!", "great, bye.", "cheers.", "perfect, thanks.", "ok bye.", "done, thanks.", "that's it.",
              "all set.", "thx, bye", "good. bye.", "nice, thanks.", "ok, cheers!")
SHORT_CHECK = ("did it save?", "saved?", "did it stick?", "is it there now?", "all good on your end?",
               "went through?", "check it?", "and it's in?", "confirm?", "showing now?")
DONE = ("that's all", "that's everything", "I'm done", "all good", "that covers it", "nothing else",
        "we're done", "that was it", "ok, finished", "that'll do", "I think that's it", "nothing more",
        "that's what I needed", "all sorted")
DONE_SCOPE = ("", "", " for now", " for today", " with the {ns}", " on my side", " here")
DONE_END = (".", ".", ", thanks.", ", bye.", ". cheers.", "!", ", great.", ", thank you.", ". have a good one.")

TYPOS = {"the": "teh", "what": "waht", "which": "wich", "please": "pls", "need": "ned", "change": "chnage",
         "because": "becuase", "does": "dose", "have": "hav"}

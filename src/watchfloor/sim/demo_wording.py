"""Wording and mix for the demo reports: templates, word lists and weights (data; see demo_reports).

Templates are ``str.format`` strings whose {slots} demo_reports fills. They describe harms and never
depict them; names, brands, agencies and authorities are invented, and every URL, e-mail address,
phone number and IP address is in a range reserved for documentation or examples.

Phrase hygiene matters here: the first-version triage (config/triage_rules.yaml) lets the most
urgent matching phrase win, so a template may only contain phrases of its own harm area, P0 phrases
appear only in P0_TEMPLATES, and VAGUE / UNCLASSIFIED texts contain no rule phrase at all.
"""

from __future__ import annotations

from watchfloor.intake.schemas import ReporterKind, SubjectKind

# Templates by harm area, then by voice: a reporter kind, or "detector:<model>" for a detector.
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "spam_manipulation": {
        "user": (
            "this account keeps posting the same spam link under every post: {url}",
            "{handle} is a bot, replied to me {n} times in a minute with 'click here for free "
            "coins' lol",
            "Obvious bot accounts following everyone in {group_name}, all made the same day w/ "
            "stock photos",
            "spam spam spam. {handle} sends {url} to everyone in the group",
            "someone selling fake followers in the comments. 'buy followers 1k for {money}' every "
            "5 minutes",
            "pls do something about these spam DMs, getting like {n} a day about {product}",
            "the reviews on {who} are fake reviews, same wording from {n} brand new accounts in "
            "one hour",
            "This page posts nothing but ads for {product} with a click here link. every hour "
            "{since}",
            "{handle} tags me in random posts advertising {product}, its spam",
            "I think these are bot accounts, {n} profiles named like {handle} all liking the same "
            "posts at the same second",
            "comment section under my post is flooded with spam about {product}, all new accounts",
            "got added to a group i never joined ({group_name}) and its just spam for {product}",
        ),
        "trusted_flagger": (
            "{org} ref {ref}. Category: spam. Pattern: {n} accounts posting identical promotional "
            "text for {product} linking to {url}. First seen {date}. Request: review and removal.",
            "{org} ref {ref}. Coordinated fake reviews on {who}: {n} reviews from accounts created "
            "within 48h, shared IP {ip}. Sample list attached.",
            "{org} ref {ref}. Network of {n} bot accounts amplifying {who}; synchronised posting "
            "intervals (+/-2s). Request: assess for coordinated inauthentic behaviour.",
        ),
        "detector:spam-ring-v7": (
            "spam-ring-v7: cluster_size={n} shared_url={url} template_similarity={score} "
            "subject={who} label=spam action_suggested=review",
            "spam-ring-v7: burst of {n} identical comments/min from accounts linked to {who}; "
            "classifier score {score}; label=spam",
        ),
        "detector:fake-engagement-v2": (
            "fake-engagement-v2: {n} follow events/min from accounts <24h old to {who}; score "
            "{score}; matches buy followers service pattern",
            "fake-engagement-v2: review velocity anomaly on {who}: {n} five-star reviews in 30 "
            "min; score {score}; label=fake reviews",
        ),
        "detector:link-rep-v4": (
            "link-rep-v4: {url} seen in {n} messages/hour with 'click here' lure; score {score}; "
            "label=spam",
        ),
        "internal": (
            "{team} escalation: {who} is running a spam campaign across comment sections, approx. "
            "{n}k impressions {when}. Please review the network.",
            "{team}: suspected coordinated network of {n} accounts; the bot accounts share device "
            "ids and amplify {who}.",
        ),
    },
    "fraud_scams": {
        "user": (
            "{handle} messaged me pretending to be {brand} support and asked me to verify your "
            "account at {url}. phishing right??",
            "I sent {money} in {coin} to this guy for a crypto investment, he promised guaranteed "
            "returns of {pct}% a week and now he blocked me",
            "got a DM saying i won a {brand} giveaway, they wanted {money} for 'shipping' paid in "
            "gift card codes. scam",
            "This account is impersonating my friend {name} and asking everyone for money by wire "
            "transfer",
            "seller {handle} took {money} for {item} and never sent anything. total scammer",
            "Someone used a stolen card to buy from my shop, now I'm eating a chargeback of "
            "{money}. buyer was {who}",
            "romance scam I think. we talked for {n} weeks and now he needs {money} for a flight "
            "from {city}",
            "they said they're from the tax office and I have to pay {money} in gift card codes "
            "today or get arrested",
            "phishing email from {email} that looks exactly like the {brand} login page: {url}",
            "'investment manager' in {group_name} promising to double your {coin} in 24h. crypto "
            "investment scam, my uncle lost {money}",
            "fake job offer from {who}: pay {money} for a 'training kit' first, then start "
            "earning. classic scam",
            "{handle} asked for my one-time code to 'verify your account' and then my account "
            "started messaging my friends",
            "I paid a {money} deposit for an apartment in {city} listed by {handle}, the address "
            "doesn't exist. scam",
            "account impersonating {brand} replies to every complaint with a 'support' link {url}",
            "bought concert tickets from {handle}, got a fake PDF and then blocked. {money} gone, "
            "scammer",
            "this 'recovery service' says they can get back my lost {coin} for a fee of {money}. "
            "pretty sure its another scam",
        ),
        "trusted_flagger": (
            "{org} ref {ref}. {who} operates an investment scheme advertising guaranteed returns "
            "of {pct}% monthly; {n} victim complaints received; deposits requested in {coin}.",
            "{org} ref {ref}. Impersonation: {who} is impersonating {brand} customer service; "
            "phishing domain {url}; {n} victims report credential loss.",
            "{org} ref {ref}. Advance-fee scam: {who} asks victims of a fake lottery for a wire "
            "transfer of 'release fees'. Evidence bundle attached.",
        ),
        "detector:scam-url-v4": (
            "scam-url-v4: {url} classified phishing (lookalike of {brand} login); score {score}; "
            "{n} clicks in last hour; first seen {date}",
            "scam-url-v4: message template asks recipients to verify your account via {url}; "
            "score {score}; senders include {who}",
        ),
        "detector:payments-risk-v3": (
            "payments-risk-v3: payment_fingerprint {pf} linked to {n} chargeback disputes in 7 "
            "days; stolen card pattern; score {score}; merchant {who}",
            "payments-risk-v3: {who} received {n} payouts funded by cards later reported as "
            "stolen card; velocity score {score}",
        ),
        "detector:impersonation-v2": (
            "impersonation-v2: profile {who} name/logo similarity to {brand} = {score}; "
            "impersonating a verified brand; account age {n} days",
        ),
        "internal": (
            "{team}: ring of {n} seller accounts sharing one payment fingerprint, storefronts look "
            "like a scam. Example: {who}.",
            "{team}: user lost {money} to a crypto investment pitch from {who}; {n} similar "
            "tickets today.",
            "{team}: {who} runs ads for a trading bot with 'guaranteed returns'. Ads paused; "
            "needs policy review as a possible scam.",
        ),
    },
    "harassment": {
        "user": (
            "{handle} keeps messaging me even after i blocked their old account. new account "
            "every day",
            "this person won't leave me alone, comments on everything i post calling me names",
            "{handle} and their friends are harassing me since my video blew up, {n}+ nasty "
            "comments",
            "my ex is stalking me through fake accounts, {handle} is the newest one",
            "{handle} posted my home address and phone number in a group chat",
            "someone doxxed me, my workplace and my gym are in this thread {who}",
            "a bunch of accounts are coordinating to insult me, the harassment started in "
            "{group_name}",
            "constant harassment from {handle}, {n} messages since {time}",
            "bullying in the comments on my sister's posts, same 3 accounts every time and "
            "{handle} is the worst",
            "{handle} made a page to mock me with my photos and sends it to my coworkers. this is "
            "harassment",
            "He keeps messaging me from different accounts asking why I blocked him. please make "
            "it stop",
            "they shared my address in their story and told people to 'pay me a visit'",
            "stalking me across every app and now here too. {handle}",
        ),
        "trusted_flagger": (
            "{org} ref {ref}. Targeted harassment of a journalist by {who} and {n} linked "
            "accounts; coordinated replies within minutes of each post (brigading).",
            "{org} ref {ref}. Harassment campaign against a women's rights activist: {n} "
            "accounts including {who}. Screenshots attached.",
        ),
        "detector:toxicity-v5": (
            "toxicity-v5: {n} replies to the same user within 30 min from {who}; harassment score "
            "{score}; pile-on pattern",
            "toxicity-v5: repeated unwanted contact from {who} after block ({n} new accounts); "
            "harassment score {score}",
        ),
        "internal": (
            "{team}: creator reports harassment from {who}; doxxing attempt suspected (partial "
            "address posted).",
            "{team}: an employee of a partner brand is targeted by {who}; bullying and "
            "impersonation across {n} accounts.",
        ),
    },
    "hate": {
        "user": (
            "{handle} is posting hate speech about {group_target}, calling them vermin",
            "racist comments under every post, and {handle} used a racial slur at me",
            "this group shares nazi symbols as profile pics and memes: {group_name}",
            "they told me to go back to your country in the comments, and worse",
            "page calling {group_target} subhuman, why is this still up",
            "slur in the username of {handle} plus posts attacking disabled people",
            "hate speech in the live chat during the match, {n} people repeating the same slur",
            "{who} is a meme page that is just hate speech against {group_target}",
        ),
        "trusted_flagger": (
            "{org} ref {ref}. Hate speech targeting a protected group (religion): {n} posts by "
            "{who} describe the group as vermin. Request review under the hateful conduct policy.",
            "{org} ref {ref}. Dehumanising content against {group_target} ({n} posts) by {who}; "
            "coded slur variants documented in the annex.",
            "{org} ref {ref}. Account {who} sells merchandise with nazi imagery.",
        ),
        "detector:hate-speech-v6": (
            "hate-speech-v6: score {score}; target=protected_group; {n} similar posts from {who} "
            "in 24h; label=hate speech",
            "hate-speech-v6: hateful-symbols list match in profile image of {who}; score {score}",
        ),
        "internal": (
            "{team}: spike of hate speech against {group_target} in comments after a news event "
            "in {city}; {n} posts queued.",
            "{team}: advertiser complaint, their ads ran next to {who}, which posts racial slur "
            "content.",
        ),
    },
    "sexual_content": {
        "user": (
            "explicit content in a general chat group ({group_name}), no warning at all",
            "my ex posted intimate images without consent, please take them down. account {handle}",
            "someone made a deepfake nude of me and it's going around in {group_name}",
            "nsfw pics as a profile picture, shows up in search for everyone",
            "porn bot in my DMs sending links to {url}",
            "leaked nudes of a streamer being sold in this channel {who}",
            "revenge porn. {handle} is threatening to post more if i don't reply",
            "{handle} keeps sending explicit pics i never asked for",
            "nudity in the thumbnail of a video on the front page: {who}",
        ),
        "trusted_flagger": (
            "{org} ref {ref}. Intimate images without consent (adult victim); {n} URLs including "
            "{link}; victim's consent to report verified.",
            "{org} ref {ref}. Deepfake nude images of an adult creator distributed by {who}; {n} "
            "reposts.",
        ),
        "detector:nudity-v9": (
            "nudity-v9: score {score} on public surface (feed); content {who}; label=explicit",
            "nudity-v9: adult content in profile media of {who}; score {score}; surface=search",
        ),
        "internal": (
            "{team}: verified creator reports deepfake nude images circulating; {n} reposts "
            "found, origin {who}.",
            "{team}: {who} advertises paid explicit content in a general-audience group.",
        ),
    },
    "violence_threats": {
        "user": (
            "{handle} sent me a death threat after i left the group",
            "he wrote 'you will regret this, watch your back' under my post. I'm scared",
            "{handle} threatened to kill my dog if i don't pay him back",
            "someone replied 'we will hurt your family' to my post about the election",
            "video of a street fight being reposted with people cheering, really violent stuff",
            "{handle} messaged my little brother 'i'll beat you up after school tomorrow'",
            "posts telling people to attack the protesters in {city} this weekend",
            "death threat in my DMs from {handle}, the second one this week",
            "ex-coworker keeps posting 'watch your back' with my photo",
        ),
        "trusted_flagger": (
            "{org} ref {ref}. Threat assessment: {who} posted threats against a local official "
            "including 'watch your back'. Escalation requested.",
            "{org} ref {ref}. Incitement: {who} calls for violence against {group_target} at a "
            "rally in {city} on {date}.",
        ),
        "detector:threat-v3": (
            "threat-v3: direct threat in DM from {who}; score {score}; label=death threat",
            "threat-v3: violent video re-uploaded {n} times; score {score}; label=violent_media",
        ),
        "internal": (
            "{team}: staff at a partner organisation received a death threat via {who}; please "
            "review and preserve.",
            "{team}: {who} keeps sending 'you will regret this' messages to a support agent.",
        ),
    },
    "self_harm": {
        "user": (
            "my friend posted 'i want to hurt myself' and isn't answering texts",
            "{handle} says they feel suicidal in their stories, i'm worried",
            "this account is posting pro-ana tips and 'thinspo' aimed at teens",
            "there's a group sharing self-harm content and encouraging each other: {group_name}",
            "someone in the comments said they want to die and nobody cares. please check on them",
            "{handle}'s posts lately are all about self harm and feeling worthless. can someone "
            "reach out?",
            "account giving 'tips' for extreme fasting, looks like eating disorder stuff",
        ),
        "trusted_flagger": (
            "{org} ref {ref}. Account {who} shares content promoting self-harm; {n} posts. Not "
            "imminent; request removal and resources for the user.",
            "{org} ref {ref}. Pro-ana community {who} with {n} members; eating disorder "
            "promotion and paid 'coaching'.",
        ),
        "detector:selfharm-v2": (
            "selfharm-v2: score {score}; risk=elevated, not imminent; signals: suicidal ideation "
            "language, late-night posting; account {who}",
            "selfharm-v2: surge of self-harm searches from {who}; score {score}; "
            "show_resources=true",
        ),
        "internal": (
            "{team}: viewers in a livestream chat said they feel suicidal; please review {who} "
            "and send resources.",
            "{team}: support agent flags {who}, who wrote that they self harm; not imminent, "
            "asked for resources.",
        ),
    },
    "child_safety": {
        "user": (
            "adult account {handle} keeps commenting on a 13 year old's videos asking her to DM",
            "i think {handle} is underage and lying about their age to use the dating features",
            "account reposting a video that appears to show child abuse (a kid being hit). please "
            "remove",
            "a minor in my daughter's class is being pressured for photos by {handle}",
            "{handle} offers 'modelling jobs' to 14 year old girls in DMs",
            "there's an underage kid in {group_name}, an 18+ group, and adults keep adding her",
        ),
        "trusted_flagger": (
            "{org} ref {ref}. Account {who} contacting a minor via DM with requests to move "
            "off-platform. Evidence preserved. Priority review requested.",
            "{org} ref {ref}. {n} underage users in adult-only group {who}; adult members send "
            "them friend requests.",
            "{org} ref {ref}. Video at {link} appears to depict child abuse (physical). Reported "
            "for removal and referral.",
        ),
        "detector:grooming-v3": (
            "grooming-v3: score {score}; adult-to-minor contact pattern (age_gap, "
            "off_platform_request, secrecy); conversation {conv}; label=child_safety",
            "grooming-v3: {who} sent friend requests to {n} accounts estimated underage in 24h; "
            "score {score}",
        ),
        "detector:age-estimate-v1": (
            "age-estimate-v1: {who} estimated age 12-14 (confidence {score}) on surface=dating; "
            "likely underage",
        ),
        "internal": (
            "{team}: age estimation flagged {n} accounts in {who} as likely underage; adult "
            "members are sending them DMs.",
            "{team}: parent called support about an adult messaging their 12 year old; sender "
            "{who}.",
        ),
    },
    "violent_extremism": {
        "user": (
            "this channel shares terrorist propaganda videos with subtitles: {who}",
            "{handle} posted a manifesto praising last week's attack",
            "account recruiting fighters, asks young guys to DM for 'travel help'",
            "people in {group_name} posting 'race war now' and accelerationist memes",
            "someone in the comments keeps telling people to join the caliphate",
            "he shares a pdf of an attacker's manifesto in every thread",
        ),
        "trusted_flagger": (
            "{org} ref {ref}. {who} distributes terrorist propaganda (official outlet branding), "
            "{n} items; hash list candidates attached.",
            "{org} ref {ref}. Recruitment: {who} is recruiting fighters through invite links "
            "posted in comments.",
        ),
        "detector:extremism-v1": (
            "extremism-v1: logo match to a designated group on {who}; score {score}; "
            "label=terrorist propaganda; reach {n}",
            "extremism-v1: {who} re-uploaded a known attacker manifesto (near-duplicate {score})",
        ),
        "internal": (
            "{team}: after an attack abroad, accounts are sharing the attacker's manifesto; {n} "
            "re-uploads including {who}.",
            "{team}: crisis protocol check, the title of livestream {who} references a martyrdom "
            "operation; please review now.",
        ),
    },
    "developer_abuse": {
        "user": (
            "our api key was posted in a public gist by a contractor, please revoke {key}",
            "someone is scraping our public profiles through your API with rotating IPs ({ip})",
            "the app {app} gets around the rate limit by creating hundreds of keys",
            "found a leaked key on a paste site: {key}. not ours, looks like it belongs to {who}",
            "credential stuffing against our login from {ip}, traffic comes through your "
            "platform's webhooks",
            "token leaked in our CI logs, need the api key {key} disabled asap",
        ),
        "trusted_flagger": (
            "{org} ref {ref}. App {who} exfiltrates profile data by scraping paginated "
            "endpoints; {n}k records. Proof of concept attached.",
            "{org} ref {ref}. A botnet of {n} hosts ({ip} and others) uses keys issued to {who} "
            "for credential stuffing.",
        ),
        "detector:api-abuse-monitor": (
            "api_abuse_monitor: key {key} at {rpm} req/min (limit {limit}); rate limit exceeded "
            "{n} times in 1h; pattern=scraping",
            "api_abuse_monitor: {n} client IPs incl. {ip} share one TLS fingerprint on key {key}; "
            "botnet suspected",
            "api_abuse_monitor: login endpoint failures {rpm}/min from app {who}; credential "
            "stuffing signature",
        ),
        "detector:secret-scanner-v1": (
            "secret-scanner-v1: api key {key} found in public repository "
            "https://example.com/code/{slug}; token leaked {when}; auto-rotation suggested",
        ),
        "internal": (
            "{team}: app {who} looks like a credential stuffing proxy; recommend suspending its "
            "api key.",
            "{team}: {who} resells our API access; keys shared across {n} customers to dodge the "
            "rate limit.",
        ),
    },
    "privacy": {
        "user": (
            "please delete my data, i closed my account in {month}",
            "I am making a data subject access request under GDPR for all personal data you hold "
            "about me.",
            "right to erasure: remove the old account {who} that has my name and pictures",
            "this site {link} republishes personal data copied from profiles, mine included",
            "GDPR request: what data do you share with advertisers, and who are they?",
            "my old profile still shows up in search even though I asked you to delete my data "
            "{since}",
            "request to delete my data plus all messages i sent. account email {email}",
        ),
        "regulator": (
            "{authority}, complaint ref {ref}: a data subject says their access request has gone "
            "unanswered since {date}. Please respond within {n} days stating your data protection "
            "basis.",
            "{authority}, ref {ref}: inquiry into the processing of personal data for ad "
            "targeting by {who}.",
        ),
        "internal": (
            "{team}: data subject access requests backlog, {n} requests older than 25 days; "
            "escalating {who}.",
            "{team}: a bug exposed personal data (e-mail addresses) of {n} users on {who}; "
            "assessing breach notification.",
        ),
    },
    "legal_regulatory": {
        "law_enforcement": (
            "{agency}, case no. {case}. Preservation request under {basis} for account {who} and "
            "associated records for 90 days. Contact: {officer}.",
            "{agency}: search warrant issued {date} (ref {case}) for subscriber information and "
            "IP logs of {who}. Documents attached.",
            "Law enforcement request from {agency}: subscriber information for {who} in "
            "connection with investigation {case} (online fraud). Legal basis: {basis}.",
            "{agency}: court order {case} from the District Court of {city} requires disclosure "
            "of records for {who}. Signed copy attached. {officer}",
            "{agency} ref {case}: please confirm receipt of our preservation request for {who} "
            "and give an estimated response time. {officer}",
            "{agency}. Request for basic subscriber information for {who} (case {case}) under "
            "{basis}; law enforcement asks that the user not be notified.",
        ),
        "regulator": (
            "{authority}: order under the Digital Services Act (Art. 9) to act against illegal "
            "content at {who}. Ref {ref}. Report back within {n} days.",
            "DSA notice {ref} from {authority}: content {who} allegedly breaches national "
            "consumer law; please confirm the action taken.",
            "{authority}: request for information under the Digital Services Act on "
            "notice-handling times for {who}, ref {ref}.",
        ),
        "internal": (
            "{team}: subpoena {case} received by courier for records of {who}; logged for "
            "response.",
            "{team}: court order {case} requires geo-blocking {who} in one country; please action.",
        ),
        "user": (
            "I have a court order saying this page about me must come down, how do I send it? "
            "{who}",
            "my lawyer sent you a letter about {who}, this is a legal complaint about defamation",
            "the content at {link} copies my work and breaks a court order from {date}",
        ),
    },
    "unclassified": {
        "user": (
            "I don't like this post",
            "{handle} blocked me for no reason",
            "why was my comment removed???",
            "{handle} is so annoying please ban",
            "wrong score in this post about the game",
            "test",
            "can't log in to my account, help",
            "this is fake news",
            "{handle} unfollowed me and now talks about me to others",
            "i want my username back, someone took it",
            "the ad for {product} is sooo loud",
            "asdfgh",
            "he stole my meme idea",
        ),
    },
}

# Life or a child at risk now, or a law-enforcement emergency: every one carries a P0 phrase.
P0_TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "self_harm": {
        "user": (
            "my friend just posted a suicide note on her story, she lives in {city}. please do "
            "something NOW",
            "{handle} posted 'took all my pills, goodbye forever' like 10 min ago. please help",
            "{handle} wrote 'tonight i end my life, sorry everyone' and turned off comments",
            "my cousin {handle} wrote 'i want to die tonight' and says she has pills. she's in "
            "{city}",
            "someone in {group_name} says they will not be alive tomorrow and posted a photo of a "
            "bridge",
        ),
        "detector:selfharm-v2": (
            "selfharm-v2: IMMINENT risk score {score}; phrases 'suicide note', 'goodbye forever'; "
            "live stream active on {who}; escalate P0",
            "selfharm-v2: imminent risk {score}; text by {who} includes 'take my own life "
            "tonight'; location signal {city}",
        ),
        "internal": (
            "{team}: support chat user wrote 'I am going to end my life tonight'. Account {who}, "
            "last IP {ip}. Please escalate now.",
            "{team}: livestream host said 'I took all my pills' on {who} two minutes ago. Need "
            "emergency escalation.",
        ),
    },
    "violence_threats": {
        "user": (
            "{handle} says he is going to kill me tonight, he knows where I'm staying. please help",
            "someone in {group_name} says they will bring a gun to school tomorrow",
            "{handle} messaged me 'i know where you live' with a photo of my street",
            "a student account is posting that they will shoot up the school on friday",
            "guy in the comments says he's planting a bomb at the {city} {place} this afternoon",
            "my ex said he's gonna kill me if i go to the police. he sent it from {handle}",
        ),
        "detector:threat-v3": (
            "threat-v3: P0 candidate, score {score}; intent 'going to kill' + named target + time "
            "reference; sender {who}",
        ),
        "trusted_flagger": (
            "{org} ref {ref}. URGENT: {who} posted a plan to bomb the {place} in {city} with a "
            "date and time. Preserve and escalate.",
        ),
    },
    "child_safety": {
        "user": (
            "{handle} is asking a girl in my son's class to send pics, she's 12. I think this is "
            "sextortion of a minor",
            "an adult in {group_name} is arranging to meet up with a 13 year old this weekend",
            "this account is advertising what they call 'underage nudes'. reporting without "
            "clicking anything",
        ),
        "detector:hash-match-v2": (
            "hash-match-v2: exact match to a known CSAM hash list entry; content {who}; "
            "auto-hidden; human confirmation required",
            "hash-match-v2: {n} perceptual matches (distance<4) to the CSAM reference set in "
            "uploads from {who}; content quarantined",
        ),
        "trusted_flagger": (
            "{org} ref {ref}. Confirmed child sexual abuse material linked to {who}, mirrored at "
            "{link}. Referral to the clearinghouse pending.",
        ),
        "internal": (
            "{team}: parent reports {who} grooming a child and asking to meet alone. Preserve "
            "data and escalate now.",
        ),
    },
    "legal_regulatory": {
        "law_enforcement": (
            "{agency}, {officer}: emergency disclosure request. Exigent circumstances: a person "
            "is in imminent danger of death. We request subscriber data and the last login IP for "
            "{who}. Case {case}.",
            "EMERGENCY - {agency}. Kidnapping investigation (case {case}); exigent circumstances. "
            "Requesting recent location data and linked accounts for {who}.",
            "{agency}: emergency disclosure request about a missing teenager believed to be with "
            "the user of {who}. Call back {officer} on {callback}.",
            "{agency} requests urgent disclosure for {who}: family reports a suicide threat, "
            "imminent danger of death. Case {case}. {officer}",
        ),
    },
}

# Reports that say too little for a phrase rule: triage falls back to the reporter's category.
VAGUE: dict[str, tuple[str, ...]] = {
    "spam_manipulation": (
        "so many of these same comments everywhere",
        "{handle} is definitely not a real person",
        "weird accounts all liking the same posts",
    ),
    "fraud_scams": (
        "this seller seems sketchy, prices way too good",
        "i paid for {item} and never got it",
        "is this {brand} account real? it asked for my card number",
    ),
    "harassment": (
        "{handle} is being really mean to me",
        "please make them stop",
        "this person comments on everything i do",
    ),
    "hate": (
        "offensive post about a religion",
        "this is racist",
        "{handle} hates everyone who isn't like them",
    ),
    "sexual_content": (
        "inappropriate pic",
        "not ok for a family app",
        "{handle} sends me weird pics",
    ),
    "violence_threats": (
        "scary post",
        "this video is really violent",
        "{handle} says something bad will happen to me",
    ),
    "self_harm": (
        "worried about my friend, her posts are really dark lately",
        "{handle} seems not ok, please check on him",
        "sad posts every night from {handle}",
    ),
    "child_safety": (
        "creepy adult in a kids' game group",
        "{handle} is too old to be talking to kids like that",
        "why is a kid on this app",
        "this guy asks kids in the {game} chat how old they are and for their other socials",
    ),
    "violent_extremism": (
        "weird flags on this profile, radical stuff",
        "this group seems dangerous",
        "{handle} shares stuff from an armed group",
    ),
    "developer_abuse": (
        "someone is hammering our endpoint from your platform?",
        "our keys are being used by someone else",
        "the app '{app}' uses your API to auto-DM thousands of users",
    ),
    "privacy": (
        "my info is on this page without permission",
        "please remove my phone number from {who}",
        "how do I see what you know about me",
        "someone posted a screenshot of my medical letter",
    ),
    "legal_regulatory": (
        "my lawyer says this page about me is illegal",
        "this is defamation",
        "this breaks the law in my country",
    ),
}

# Short reports in other languages, by language then harm area (users only).
FOREIGN: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "spam_manipulation": (
            "Esta cuenta publica spam en todos los comentarios: {url}",
            "Muchos bots siguiendo a todos en {group_name}",
        ),
        "fraud_scams": (
            "Me estafaron {money}, dijo que era una inversión en {coin} con ganancias garantizadas",
            "Se hace pasar por soporte de {brand} y pide mi contraseña",
        ),
        "harassment": (
            "{handle} me acosa todos los días con mensajes",
            "Publicaron mi dirección y mi teléfono",
        ),
        "hate": ("Publica insultos racistas contra inmigrantes",),
        "privacy": ("Quiero que borren todos mis datos personales (RGPD)",),
    },
    "de": {
        "spam_manipulation": (
            "Dieser Account verschickt ständig Spam-Nachrichten mit Links zu {url}",
        ),
        "fraud_scams": (
            "Betrug! {handle} hat {money} kassiert und nie geliefert.",
            "Falscher {brand}-Support fragt nach meinem Passwort",
        ),
        "harassment": ("{handle} belästigt mich seit Wochen mit Nachrichten.",),
        "hate": ("Volksverhetzung in den Kommentaren, bitte prüfen",),
        "privacy": ("Bitte löschen Sie alle meine Daten gemäß DSGVO Art. 17.",),
    },
    "fr": {
        "spam_manipulation": ("Ce compte envoie du spam dans tous les groupes",),
        "fraud_scams": ("Arnaque : faux support {brand} qui demande mon code de vérification",),
        "harassment": ("{handle} me harcèle tous les jours",),
        "hate": ("Propos haineux contre les migrants sous chaque publication",),
        "privacy": ("Je demande la suppression de mes données (RGPD).",),
    },
    "pt-BR": {
        "spam_manipulation": ("Perfil fake mandando spam de {product}",),
        "fraud_scams": (
            "Golpe! Pediram um Pix de {money} fingindo ser da {brand}",
            "Vendedor {handle} sumiu com meu dinheiro",
        ),
        "harassment": ("Essa pessoa está me perseguindo e xingando todo dia",),
        "hate": ("Comentários racistas em todas as fotos",),
    },
}

# Evidence excerpts by harm area. Harmful material is withheld and only described.
EXCERPTS: dict[str, tuple[str, ...]] = {
    "spam_manipulation": (
        '"{product} 70% off today only, click here: {url}"',
        '"Follow back? I grow accounts fast, DM me"',
    ),
    "fraud_scams": (
        '"Dear customer, your account is on hold. Verify within 24h: {url}"',
        '"Send {money} in {coin} to the wallet below and receive double within 24 hours."',
        "Payment receipt: {money}, card fingerprint {pf}",
    ),
    "harassment": (
        '"nobody wants you here, delete your account"',
        '"saw you at the station today. new haircut?"',
        "[excerpt withheld: contains a home address and phone number]",
    ),
    "hate": (
        "[excerpt withheld: dehumanising language about {group_target}]",
        "[image description withheld: hateful symbol in profile picture]",
    ),
    "sexual_content": (
        "[image description withheld: adult nudity]",
        "[excerpt withheld: sexual solicitation]",
    ),
    "violence_threats": (
        "[excerpt withheld: threatens physical harm to the recipient]",
        "[video description withheld: describes injury]",
    ),
    "self_harm": (
        "[excerpt withheld: describes self-injury]",
        "[excerpt withheld: expresses intent to die]",
    ),
    "child_safety": (
        "[content withheld: child safety evidence is restricted; reference {conv}]",
        "[excerpt withheld: adult asks a child to keep their chats secret]",
    ),
    "violent_extremism": (
        "[excerpt withheld: propaganda bearing the logo of a designated group]",
        "[excerpt withheld: glorifies an attack]",
    ),
    "developer_abuse": (
        "GET /v2/users?page={n} -> 429 (x{rpm})",
        "key={key} seen at https://example.com/paste/{slug}",
    ),
    "privacy": ("[excerpt withheld: personal data of the reporter]",),
    "legal_regulatory": ("Attachment: {case}.pdf (signed request)", "Legal basis: {basis}"),
    "unclassified": ('"{handle} blocked me"',),
}

# Word lists for the slots.
FIRST_NAMES = (
    "Ana",
    "Tomás",
    "Priya",
    "Kenji",
    "Amara",
    "Lukas",
    "Sofia",
    "Omar",
    "Mei",
    "Jonas",
    "Fatima",
    "Diego",
    "Chloe",
    "Ravi",
    "Zanele",
    "Yuki",
    "Ines",
    "Mateo",
    "Leila",
    "Noah",
    "Aisha",
    "Pablo",
    "Hana",
    "Kwame",
    "Elif",
    "Marta",
    "Arjun",
    "Camille",
    "Tariq",
    "Lina",
)
SURNAMES = (
    "Moreno",
    "Okafor",
    "Lindqvist",
    "Tanaka",
    "Haddad",
    "Novak",
    "Silva",
    "Brennan",
    "Kowalski",
    "Mensah",
    "Rahman",
    "Dubois",
    "Castillo",
    "Iyer",
    "Nakamura",
    "Petrov",
)
HANDLE_A = (
    "sunny",
    "quiet",
    "lucky",
    "urban",
    "misty",
    "cosmic",
    "happy",
    "wild",
    "golden",
    "pixel",
    "retro",
    "velvet",
    "silent",
    "north",
    "crypto",
    "smart",
    "fresh",
    "daily",
    "true",
    "night",
)
HANDLE_B = (
    "fox",
    "deals",
    "trader",
    "vibes",
    "kitty",
    "gamer",
    "coach",
    "studio",
    "wave",
    "rider",
    "panda",
    "bloom",
    "market",
    "life",
    "shop",
    "guru",
    "lens",
    "chef",
    "runner",
    "mind",
)
BRANDS = (
    "NorthBank",
    "ParcelPoint",
    "CoinVista",
    "StreamMax",
    "ShopHarbor",
    "Telyra Mobile",
    "PayNimbus",
    "QuickCart",
    "Lumen Energy",
    "BrightAir",
)
PRODUCTS = (
    "detox tea",
    "replica watches",
    "a forex signals course",
    "cheap phone cases",
    "a 'passive income' ebook",
    "knock-off sneakers",
    "a miracle hair serum",
    "VPN lifetime deals",
)
ITEMS = (
    "a used phone",
    "two concert tickets",
    "a sofa",
    "a gaming console",
    "a bike",
    "a laptop",
    "sneakers",
    "a puppy",
)
COINS = ("BTC", "ETH", "USDT", "SOL", "XRP")
APPS = (
    "QuickScrape Pro",
    "FollowBoost",
    "LeadHarvester",
    "AutoDM Studio",
    "ProfilePulse",
    "GrowthBot 3000",
    "DataMiner Lite",
)
GAMES = ("BlockCraft Arena", "Skyball Heroes", "Pixel Farm Party", "Racer Kids")
GROUP_NAMES = (
    "Crypto Signals VIP",
    "Neighbourhood Swap & Sell",
    "Late Night Gamers",
    "Fitness Goals 2026",
    "Memes Unfiltered",
    "City Apartments & Rooms",
    "Side Hustle Club",
    "Fan Zone Chat",
    "Teen Study Buddies",
    "Weekend Hikers",
)
GROUP_TARGETS = (
    "migrants",
    "a religious community",
    "LGBTQ+ people",
    "disabled people",
    "an ethnic minority",
    "refugees",
)
PLACES = ("stadium", "mall", "train station", "concert hall")
CONTENT_NOUNS = {"post": "post", "vid": "video", "cmt": "comment", "msg": "message"}
ORG_NAMES = (
    "Brightpath Capital Ltd",
    "Apex Yield Partners",
    "Global Parcel Refunds",
    "NovaTrade Academy",
    "SecureWallet Recovery",
    "Prime Remote Jobs",
)
MONTHS = ("March", "May", "June", "August", "September", "October")
WHEN = ("yesterday", "last night", "this morning", "an hour ago", "earlier today", "on Sunday")
SINCE = ("since yesterday", "since this morning", "for two days now", "since last week")
URL_WORDS = (
    "secure",
    "login",
    "verify",
    "wallet",
    "prize",
    "deals",
    "promo",
    "account",
    "support",
    "refund",
    "bonus",
    "track",
)
EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")

CITIES: dict[str, tuple[str, ...]] = {
    "US": ("Chicago", "Houston", "Phoenix", "Denver", "Atlanta", "Seattle"),
    "EU": ("Berlin", "Lyon", "Madrid", "Milan", "Rotterdam", "Kraków", "Lisbon"),
    "UK": ("Leeds", "Bristol", "Glasgow", "Manchester", "Cardiff"),
    "LATAM": ("São Paulo", "Bogotá", "Guadalajara", "Lima", "Córdoba"),
    "APAC": ("Osaka", "Jakarta", "Pune", "Manila", "Melbourne", "Seoul"),
    "MENA": ("Amman", "Casablanca", "Dubai", "Izmir", "Doha"),
    "AFRICA": ("Lagos", "Nairobi", "Accra", "Johannesburg", "Dakar"),
}
# Currency symbol and how many units make roughly one US dollar.
CURRENCIES: dict[str, tuple[tuple[str, int], ...]] = {
    "US": (("$", 1),),
    "EU": (("€", 1),),
    "UK": (("£", 1),),
    "LATAM": (("R$ ", 5), ("MX$", 17)),
    "APAC": (("₹", 80), ("¥", 150), ("A$", 1)),
    "MENA": (("AED ", 4),),
    "AFRICA": (("₦", 1500), ("KSh ", 130), ("R", 18)),
}

# Invented agencies and authorities, so nothing reads as a real body's request.
AGENCIES: dict[str, tuple[str, ...]] = {
    "US": (
        "Riverton Police Department",
        "Lakeshore County Sheriff's Office",
        "Federal Cyber Task Force (demo)",
    ),
    "EU": ("Valdora Federal Police, Cybercrime Division", "Ostmark State Criminal Police Office"),
    "UK": ("Northshire Constabulary", "Kestrel Bay Police Cyber Unit"),
    "LATAM": ("Policía Cibernética de San Aurelio",),
    "APAC": ("Eastbay Cyber Crime Division",),
    "MENA": ("Al-Nadir Cybercrime Directorate",),
    "AFRICA": ("Savanna Coast Police Cybercrime Unit",),
}
LEGAL_BASES: dict[str, tuple[str, ...]] = {
    "US": ("18 U.S.C. § 2703(f)", "18 U.S.C. § 2703(d)", "a state grand jury request"),
    "EU": ("the national code of criminal procedure", "Regulation (EU) 2023/1543"),
    "UK": ("the Investigatory Powers Act 2016", "a production order"),
}
DEFAULT_LEGAL_BASES = ("the national cybercrime law", "a mutual legal assistance request")
DSA_AUTHORITIES = (
    "Digital Services Coordinator of Valdora (demo)",
    "Ostmark Media and Online Authority (demo)",
)
DPA_AUTHORITIES = ("Valdora Data Protection Authority (demo)", "Ostmark Data Commissioner (demo)")

FLAGGERS: dict[str, tuple[str, ...]] = {
    "spam_manipulation": ("Open Integrity Lab", "Review Watch Network"),
    "fraud_scams": ("Consumer Fraud Watch", "BrandShield Alliance", "Scam Alert Network"),
    "harassment": ("Safe Voices Coalition", "Press Freedom Desk"),
    "hate": ("Equal Dignity Monitor", "Online Hate Observatory"),
    "sexual_content": ("Image Consent Helpline",),
    "violence_threats": ("Threat Intelligence Partners",),
    "self_harm": ("Lifeline Partners Network", "Recovery Voices"),
    "child_safety": ("SafeKids Hotline", "Child Online Protection Line"),
    "violent_extremism": ("Counter-Extremism Research Lab",),
    "developer_abuse": ("Open Security Collective",),
}
TEAMS: dict[str, tuple[str, ...]] = {
    "spam_manipulation": ("Integrity Ops", "Ads Quality"),
    "fraud_scams": ("Payments Risk", "Customer Support", "Ads Quality"),
    "harassment": ("Creator Support", "VIP Support"),
    "hate": ("Integrity Ops", "Brand Safety"),
    "sexual_content": ("Creator Support",),
    "violence_threats": ("Corporate Security", "Customer Support"),
    "self_harm": ("Wellbeing Team", "Customer Support"),
    "child_safety": ("Child Safety Investigations", "Customer Support"),
    "violent_extremism": ("Crisis Response",),
    "developer_abuse": ("Platform Engineering", "API Trust"),
    "privacy": ("Privacy Office",),
    "legal_regulatory": ("Legal Operations",),
}

# Language tags: what an English text is tagged with, and the region's own UI languages.
ENGLISH_TAGS: dict[str, tuple[str, ...]] = {
    "US": ("en-US",),
    "EU": ("en",),
    "UK": ("en-GB",),
    "LATAM": ("en",),
    "APAC": ("en", "en-IN", "en-AU", "en-SG"),
    "MENA": ("en",),
    "AFRICA": ("en-NG", "en-ZA", "en-KE"),
}
LOCAL_TAGS: dict[str, tuple[str, ...]] = {
    "US": ("es-US",),
    "EU": ("de", "fr", "es", "it", "nl", "pl", "pt"),
    "UK": ("en-GB",),
    "LATAM": ("es-MX", "es-AR", "es-CO", "pt-BR"),
    "APAC": ("ja", "hi", "id", "ko", "th"),
    "MENA": ("ar", "ar-EG", "tr", "fr"),
    "AFRICA": ("sw", "fr", "ha", "pt", "ar"),
}
# Which of the FOREIGN languages a region's users write in, with the tag to give them.
FOREIGN_BY_REGION: dict[str, dict[str, str]] = {
    "EU": {"de": "de", "fr": "fr", "es": "es"},
    "LATAM": {"es": "es-MX", "pt-BR": "pt-BR"},
    "US": {"es": "es-US"},
    "AFRICA": {"fr": "fr"},
}

APP_VERSIONS = ("5.12.1", "5.12.0", "5.11.4", "5.10.2", "6.0.0-beta.3")
SURFACES = ("dm", "feed", "comments", "profile", "group", "live", "search", "marketplace")
BROWSERS = ("Firefox", "Chrome", "Safari", "Edge", "Samsung Internet")


# The day's mix: what gets reported, by whom, about what, from where and when.
# Harm areas of ordinary (not P0) reports: high-volume abuse dominates a real floor.
AREA_MIX: dict[str, float] = {
    "spam_manipulation": 21,
    "fraud_scams": 19,
    "harassment": 15,
    "hate": 7,
    "sexual_content": 6,
    "privacy": 5,
    "developer_abuse": 5,
    "violence_threats": 5,
    "legal_regulatory": 4,
    "self_harm": 4,
    "child_safety": 3,
    "violent_extremism": 2.5,
    "unclassified": 3.5,
}
P0_MIX: dict[str, float] = {
    "self_harm": 33,
    "violence_threats": 30,
    "child_safety": 20,
    "legal_regulatory": 17,
}
REPORTER_MIX: dict[str, dict[ReporterKind, int]] = {
    "spam_manipulation": {
        "user": 55,
        "anonymous": 3,
        "detector": 35,
        "trusted_flagger": 3,
        "internal": 4,
    },
    "fraud_scams": {
        "user": 62,
        "anonymous": 3,
        "detector": 22,
        "trusted_flagger": 7,
        "internal": 6,
    },
    "harassment": {"user": 78, "anonymous": 4, "detector": 10, "trusted_flagger": 4, "internal": 4},
    "hate": {"user": 60, "anonymous": 5, "detector": 22, "trusted_flagger": 9, "internal": 4},
    "sexual_content": {
        "user": 55,
        "anonymous": 4,
        "detector": 30,
        "trusted_flagger": 7,
        "internal": 4,
    },
    "violence_threats": {
        "user": 70,
        "anonymous": 4,
        "detector": 16,
        "trusted_flagger": 5,
        "internal": 5,
    },
    "self_harm": {"user": 62, "anonymous": 4, "detector": 22, "trusted_flagger": 6, "internal": 6},
    "child_safety": {
        "user": 45,
        "anonymous": 5,
        "detector": 30,
        "trusted_flagger": 14,
        "internal": 6,
    },
    "violent_extremism": {
        "user": 40,
        "anonymous": 6,
        "detector": 30,
        "trusted_flagger": 18,
        "internal": 6,
    },
    "developer_abuse": {"user": 35, "detector": 45, "trusted_flagger": 8, "internal": 12},
    "privacy": {"user": 80, "anonymous": 4, "regulator": 8, "internal": 8},
    "legal_regulatory": {"law_enforcement": 62, "regulator": 22, "internal": 8, "user": 8},
    "unclassified": {"user": 92, "anonymous": 8},
}
P0_REPORTER_MIX: dict[str, dict[ReporterKind, int]] = {
    "self_harm": {"user": 65, "detector": 20, "internal": 15},
    "violence_threats": {"user": 75, "detector": 15, "trusted_flagger": 10},
    "child_safety": {"user": 35, "detector": 35, "trusted_flagger": 20, "internal": 10},
    "legal_regulatory": {"law_enforcement": 1},
}
SUBJECT_MIX: dict[str, dict[SubjectKind, int]] = {
    "spam_manipulation": {"account": 50, "url": 15, "group": 15, "content": 20},
    "fraud_scams": {
        "account": 45,
        "url": 20,
        "organisation": 8,
        "email": 10,
        "phone": 10,
        "content": 7,
    },
    "harassment": {"account": 75, "content": 20, "group": 5},
    "hate": {"content": 45, "account": 40, "group": 15},
    "sexual_content": {"content": 55, "account": 35, "url": 10},
    "violence_threats": {"account": 60, "content": 40},
    "self_harm": {"account": 60, "content": 40},
    "child_safety": {"account": 65, "content": 20, "group": 15},
    "violent_extremism": {"account": 40, "content": 30, "group": 20, "url": 10},
    "developer_abuse": {"api_key": 50, "app": 35, "account": 15},
    "privacy": {"account": 70, "content": 20, "url": 10},
    "legal_regulatory": {"account": 60, "content": 25, "url": 10, "organisation": 5},
    "unclassified": {"account": 60, "content": 40},
}
# How often a report is about a subject someone already reported, and whose reports it draws on:
# law enforcement follows up on the fraud and threats the floor has already seen.
REUSE: dict[str, float] = {
    "spam_manipulation": 0.32,
    "fraud_scams": 0.32,
    "harassment": 0.28,
    "hate": 0.22,
    "sexual_content": 0.18,
    "developer_abuse": 0.38,
    "violence_threats": 0.18,
    "violent_extremism": 0.22,
    "child_safety": 0.15,
    "self_harm": 0.1,
    "privacy": 0.04,
    "legal_regulatory": 0.35,
    "unclassified": 0.1,
}
REUSE_FROM: dict[str, dict[str, int]] = {
    "legal_regulatory": {
        "legal_regulatory": 2,
        "fraud_scams": 3,
        "violence_threats": 2,
        "child_safety": 1,
        "harassment": 1,
    },
    "hate": {"hate": 4, "harassment": 1},
    "harassment": {"harassment": 4, "hate": 1, "violence_threats": 1},
    "spam_manipulation": {"spam_manipulation": 4, "fraud_scams": 1},
    "fraud_scams": {"fraud_scams": 4, "spam_manipulation": 1},
    "violence_threats": {"violence_threats": 3, "harassment": 1},
}
# What a reporter wrongly picks instead: the neighbouring area, as people actually do.
CONFUSABLE: dict[str, tuple[str, ...]] = {
    "spam_manipulation": ("fraud_scams", "harassment"),
    "fraud_scams": ("spam_manipulation", "privacy"),
    "harassment": ("hate", "violence_threats", "privacy"),
    "hate": ("harassment",),
    "sexual_content": ("harassment", "child_safety"),
    "violence_threats": ("harassment", "violent_extremism"),
    "self_harm": ("violence_threats", "harassment"),
    "child_safety": ("sexual_content", "harassment"),
    "violent_extremism": ("hate", "violence_threats"),
    "developer_abuse": ("spam_manipulation", "privacy"),
    "privacy": ("harassment", "legal_regulatory"),
    "legal_regulatory": ("privacy", "harassment"),
}
GRAPHIC_AREAS = frozenset(
    {"child_safety", "violent_extremism", "violence_threats", "self_harm", "sexual_content"}
)

REGION_MIX: dict[str, int] = {
    "US": 28,
    "EU": 24,
    "APAC": 16,
    "LATAM": 11,
    "UK": 8,
    "MENA": 7,
    "AFRICA": 6,
}
# DSA and data-protection notices come from EU authorities; police from everywhere.
REGION_BY_KIND: dict[ReporterKind, dict[str, int]] = {
    "regulator": {"EU": 1},
    "law_enforcement": {
        "US": 40,
        "EU": 25,
        "UK": 15,
        "LATAM": 8,
        "APAC": 8,
        "MENA": 2,
        "AFRICA": 2,
    },
}
UTC_OFFSETS: dict[str, tuple[float, ...]] = {
    "US": (-8, -7, -6, -6, -5, -5),
    "EU": (1,),
    "UK": (0,),
    "LATAM": (-6, -5, -3, -3),
    "APAC": (5.5, 7, 8, 9, 10),
    "MENA": (2, 3, 4),
    "AFRICA": (0, 1, 2, 3),
}
# Activity by local hour, 0..1: people report in the evening, staff in office hours, detectors
# around the clock (a little busier when people are).
_PEOPLE_AM = (0.35, 0.22, 0.14, 0.09, 0.07, 0.08, 0.14, 0.28, 0.45, 0.55, 0.60, 0.65)
_PEOPLE_PM = (0.72, 0.70, 0.68, 0.70, 0.75, 0.82, 0.90, 0.97, 1.00, 0.98, 0.85, 0.60)
PEOPLE_ACTIVITY = _PEOPLE_AM + _PEOPLE_PM
_OFFICE_AM = (0.04, 0.03, 0.03, 0.03, 0.03, 0.05, 0.10, 0.35, 0.80, 1.00, 1.00, 0.95)
_OFFICE_PM = (0.80, 0.90, 1.00, 0.95, 0.85, 0.55, 0.25, 0.15, 0.10, 0.08, 0.06, 0.05)
OFFICE_ACTIVITY = _OFFICE_AM + _OFFICE_PM
MACHINE_ACTIVITY = tuple(0.6 + 0.4 * p for p in PEOPLE_ACTIVITY)
CURVES: dict[ReporterKind, tuple[float, ...]] = {
    "user": PEOPLE_ACTIVITY,
    "anonymous": PEOPLE_ACTIVITY,
    "detector": MACHINE_ACTIVITY,
    "trusted_flagger": OFFICE_ACTIVITY,
    "law_enforcement": OFFICE_ACTIVITY,
    "regulator": OFFICE_ACTIVITY,
    "internal": OFFICE_ACTIVITY,
}
SOURCES: dict[ReporterKind, dict[str, int]] = {
    "user": {"in_app": 85, "web_form": 12, "email": 3},
    "anonymous": {"web_form": 1},
    "trusted_flagger": {"trusted_flagger_portal": 1},
    "law_enforcement": {"le_portal": 3, "email": 1},
    "regulator": {"email": 1},
    "internal": {"internal": 1},
}

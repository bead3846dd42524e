"""Demo experiences and challenges for each demo community, written for its theme.

Everything is written through the services, by members who accepted the rules. A
community that already has its demo posts is left alone, so seeding again changes nothing.
Archived communities are read-only and are skipped.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from communities.models import Community
from practices import services
from practices.models import Comment, Post

E, C = Post.Kind.EXPERIENCE, Post.Kind.CHALLENGE
WORKED, MIXED, FAILED = Post.Outcome.WORKED, Post.Outcome.MIXED, Post.Outcome.FAILED

# Each post: key, author, kind, days ago, tags, content; "pinned" marks the starter post.
# Comments: post key, author, body, and optionally "key", "reply_to", "helpful".
# Reactions: post key, member, kind, note.
DEMO = {
    "safe-handovers": {
        "posts": [
            {
                "key": "sbar",
                "author": "ada",
                "kind": E,
                "days": 45,
                "pinned": True,
                "tags": ["handover", "sbar", "bedside handover"],
                "title": "Bedside SBAR handover cut our morning handover from 40 to 25 minutes",
                "situation": "Surgical ward, 28 beds, six nurses per shift. Morning handover "
                "happened in the staff room from a printed list and took 40 minutes on a good "
                "day. Night staff left late, and day staff started their rounds with questions "
                "they then had to chase.",
                "tried": "For six weeks we moved handover to the bedside and used SBAR for every "
                "patient:\n\n"
                "- **Situation**: one sentence on why the patient is here today\n"
                "- **Background**: only what changes today's care\n"
                "- **Assessment**: what worries the outgoing nurse\n"
                "- **Recommendation**: the first thing to do\n\n"
                "Patients who were awake could correct us. Anything confidential was handed "
                "over quietly in the corridor first.",
                "happened": "The first week was slower (45 minutes) because people told the whole "
                "history. From week three we averaged 25 minutes. Two patients corrected their "
                "medication times during handover; one of them had a missed antibiotic dose. "
                "Night staff left on time on 26 of 30 mornings.",
                "outcome": WORKED,
                "learned": "The structure matters less than agreeing what *not* to say. Once we "
                "agreed that background is only what changes today's care, handover got short. "
                "Patients are the best check on our handover: they notice what we leave out.",
                "recommend": "Start with one bay, not the whole ward. Print SBAR on a pocket card, "
                "and agree a quiet-corridor rule for sensitive information before the first day.",
            },
            {
                "key": "voice",
                "author": "ada",
                "kind": E,
                "days": 30,
                "tags": ["handover", "technology", "night shift"],
                "title": "Recorded voice handovers for the night shift did not work",
                "situation": "Short-staffed nights: the evening nurse often had to leave before "
                "the night nurse could take a proper handover.",
                "tried": "We recorded a two-minute voice memo per patient on the ward tablet, for "
                "the night nurse to listen to at the start of the shift.",
                "happened": "Nobody had time to listen to 14 memos at nine in the evening. "
                "Questions could not be asked back, recordings were hard to find by bed number, "
                "and after two weeks only a third of patients had a current memo. Information "
                "governance also asked us to stop keeping recordings on a shared tablet.",
                "outcome": FAILED,
                "learned": "Handover is a conversation, not a broadcast. What made it safe was "
                'the chance to ask "and what worries you about him?", and a recording removes '
                "exactly that.",
                "recommend": "If shifts cannot overlap, shorten the overlap instead of removing "
                "it: ten minutes face to face on the two or three patients who worry you most, "
                "written notes for the rest.",
            },
            {
                "key": "watch",
                "author": "ben",
                "kind": E,
                "days": 21,
                "tags": ["handover", "checklists", "on-call"],
                "title": "A watch list borrowed from on-call handoffs",
                "situation": "I run on-call handoffs for a software operations team and joined "
                "to compare notes. Ada invited me to try one of our habits on her ward for a "
                "month.",
                "tried": "Every outgoing shift names at most three watch patients at the top of "
                "the handover: the ones they would phone about if they could. Everything else "
                "follows in bed order.",
                "happened": "Nurses liked having three names on the whiteboard. But the limit of "
                "three was ignored on busy nights (we saw lists of eight), and on quiet nights "
                "people felt obliged to name three even when nobody was worrying them.",
                "outcome": MIXED,
                "learned": "A limit works only if it is allowed to be zero. The watch list was "
                "most useful when it came with one sentence on *what would make you call the "
                "doctor*.",
                "recommend": "Keep the list, drop the fixed number. Ask for a trigger per "
                'watched patient: "call if systolic is under 90" beats "keep an eye on bed 12".',
            },
            {
                "key": "family",
                "author": "dev",
                "kind": C,
                "days": 14,
                "tags": ["handover", "families"],
                "title": "How can relatives help at handover without getting in the way?",
                "situation": "My father spent three weeks on a medical ward. Twice a day I watched "
                "the bedside handover, and twice I noticed something missing: his hearing aid, "
                "and a diet that had changed that morning. I did not know whether to interrupt.",
                "tried": "I wrote notes and gave them to whoever came in next, which did not "
                "always reach the right nurse.",
                "help_wanted": "From the nurses here: when is a good moment for a relative to "
                "speak up, and what kind of note would you actually use?",
            },
            {
                "key": "school",
                "author": "chloe",
                "kind": C,
                "days": 5,
                "tags": ["handover", "schools", "care plans"],
                "title": "Handing over a pupil's care plan to the after-school club",
                "situation": "A Year 9 pupil with type 1 diabetes stays for the after-school club "
                "twice a week. The club is run by a different team, and the handover is a note "
                "in the register.",
                "tried": "A laminated one-page plan in the club folder, and a quick word with the "
                "club lead when I see them.",
                "help_wanted": "How would you structure a handover to non-clinical staff who see "
                "the pupil twice a week? Is SBAR too clinical for them?",
            },
        ],
        "comments": [
            {
                "post": "sbar",
                "author": "ben",
                "key": "sbar-ben",
                "body": "The 'only what changes today's care' rule is the bit I am taking back "
                "to our on-call handoff. We read out the whole incident history every time.",
            },
            {
                "post": "sbar",
                "author": "chloe",
                "reply_to": "sbar-ben",
                "body": "Same in schools: the supply teacher does not need the whole term, only "
                "what is different today.",
            },
            {
                "post": "family",
                "author": "ada",
                "key": "family-ada",
                "helpful": True,
                "body": "Please do speak up: at the end of each patient's handover, when the "
                'outgoing nurse asks "anything else?". If your ward does not ask, say "may I '
                'add one thing?".\n\nA short, dated note on the bedside table, one line per '
                "item (*hearing aid, left ear*; *soft diet since Tuesday*), is what we can use. "
                "Notes handed to a person get lost between shifts.",
            },
            {
                "post": "family",
                "author": "ben",
                "body": 'In our incident reviews, "the customer told us and it never reached the '
                'on-call engineer" comes up again and again. A note at the point of work beats '
                "a message to a person.",
            },
            {
                "post": "family",
                "author": "dev",
                "reply_to": "family-ada",
                "body": "Thank you, that is exactly what I needed. I will tape the note to the "
                "table next time.",
            },
            {
                "post": "school",
                "author": "dev",
                "body": "Following: our son has a similar plan and we never know who has read it.",
            },
        ],
        "reactions": [
            ("sbar", "ben", "helpful", ""),
            ("sbar", "dev", "helpful", ""),
            (
                "sbar",
                "chloe",
                "applied",
                "Used the pocket card for handing my class to supply teachers: much shorter.",
            ),
            ("voice", "ben", "helpful", ""),
            ("watch", "ada", "applied", "Kept the list, dropped the number. Triggers work."),
            ("family", "ada", "helpful", ""),
        ],
    },
    "blameless-reviews": {
        "posts": [
            {
                "key": "factors",
                "author": "ben",
                "kind": E,
                "days": 50,
                "pinned": True,
                "tags": ["incidents", "postmortems", "blameless"],
                "title": "We replaced 'root cause' with 'contributing factors' and reviews got "
                "honest",
                "situation": "Payments platform, about 40 engineers, two or three customer-facing "
                "incidents a month. Our review template had a *Root cause* box, and every "
                "review ended by naming one person's change.",
                "tried": "We removed the box. The template now asks for **contributing factors** "
                "(at least three), **what made sense at the time** for each decision, and "
                "**what surprised us**. The facilitator is never someone involved in the "
                "incident.",
                "happened": "The first review with the new template found seven contributing "
                "factors for a database failover, including an alert that had been muted for "
                "months and a runbook pointing to a deleted dashboard. Attendance went from "
                "the people involved to 15–20 curious colleagues. Over the next quarter, people "
                "added their own mistakes to the timeline before anyone asked.",
                "outcome": WORKED,
                "learned": "The template shapes the conversation. A single root-cause box "
                "invites a single culprit; asking for several factors invites the system.",
                "recommend": 'Change the template before you change the speeches. Ask "what '
                'made sense at the time?" for every decision on the timeline, and pick a '
                "facilitator from outside the incident.",
            },
            {
                "key": "actions",
                "author": "ben",
                "kind": E,
                "days": 35,
                "tags": ["incidents", "follow-up"],
                "title": "Action items in a spreadsheet: 23 of 31 never happened",
                "situation": "After each review we added action items to a shared spreadsheet, "
                "each with an owner and a due date.",
                "tried": "Once a month the on-call lead read out the open items in the team "
                "meeting.",
                "happened": "After six months, 23 of 31 items were still open. Owners had "
                'changed teams, items were vague ("improve monitoring") and nobody could say '
                "which ones mattered. The same failover problem came back in month five.",
                "outcome": FAILED,
                "learned": "An action item nobody weighs against feature work is a wish. A few "
                "concrete items in the normal backlog beat a long list outside it.",
                "recommend": "At most three action items per review, each written as a change "
                "someone can check, filed in the owning team's backlog with a link to the "
                "incident. Start each review with the oldest open item from the last one.",
            },
            {
                "key": "debrief",
                "author": "ada",
                "kind": E,
                "days": 20,
                "tags": ["incidents", "facilitation", "debriefs"],
                "title": "Running a software incident review like a ward debrief",
                "situation": "Ben asked me to facilitate a review for his team as an outsider. "
                "On the ward we hold a ten-minute hot debrief after every cardiac arrest call.",
                "tried": "I used our debrief questions (what happened, what went well, what was "
                "difficult, what would we do differently) in 45 minutes, with the timeline on "
                "the screen.",
                "happened": 'The "what went well" round surprised the engineers: they named a '
                "colleague who had quietly rolled back a change and had never been thanked. But "
                "45 minutes was far too short for a six-hour incident, and we ran out of time "
                'before "what would we do differently".',
                "outcome": MIXED,
                "learned": "Starting with what went well lowers defences. But a debrief is built "
                "for short events; a long incident needs its timeline walked through first, "
                "separately.",
                "recommend": "Split it: one session for the timeline (facts only), and a short "
                "debrief-style session for reflection a day later.",
            },
            {
                "key": "managers",
                "author": "ada",
                "kind": C,
                "days": 12,
                "tags": ["facilitation", "psychological safety"],
                "title": "How do you keep managers from turning a review into a performance "
                "conversation?",
                "situation": 'In the review I facilitated, a senior manager asked "who approved '
                'this change?" twice. The room went quiet and stayed quiet.',
                "help_wanted": "How do you set expectations with managers before a review, and "
                "what do you say in the moment?",
            },
            {
                "key": "recording",
                "author": "ben",
                "kind": C,
                "days": 3,
                "tags": ["incidents", "facilitation", "remote teams"],
                "title": "Should we record our incident reviews?",
                "situation": "Colleagues in other time zones ask for recordings. Some engineers "
                "say they would speak less openly if they knew they were being recorded.",
                "help_wanted": "Has anyone recorded reviews and kept them blameless? What did you "
                "do with the recordings afterwards?",
            },
        ],
        "comments": [
            {
                "post": "managers",
                "author": "ben",
                "key": "managers-ben",
                "helpful": True,
                "body": "Before: fifteen minutes with the manager to agree that the review is not "
                "the place for performance questions, and that they speak last.\n\nIn the moment: "
                '"Let\'s hold *who* for now. What did the approval step show the approver?" '
                "Turning *who* into *what did they see* keeps the question and drops the blame.",
            },
            {
                "post": "managers",
                "author": "ada",
                "reply_to": "managers-ben",
                "body": "Tried the rephrasing in a ward debrief yesterday. It worked with a "
                "consultant too.",
            },
            {
                "post": "recording",
                "author": "ada",
                "body": "On the ward we never record debriefs, but we write a short summary "
                "together in the last five minutes. Would a written summary serve the other "
                "time zones?",
            },
        ],
        "reactions": [
            ("factors", "ada", "helpful", ""),
            (
                "factors",
                "ada",
                "applied",
                'Asked "what made sense at the time?" in a medication error review: people talked.',
            ),
            ("actions", "ada", "helpful", ""),
            (
                "debrief",
                "ben",
                "applied",
                "Split timeline and reflection: the second session was our best review yet.",
            ),
        ],
    },
    "peer-instruction-maths": {
        "posts": [
            {
                "key": "plan",
                "author": "chloe",
                "kind": E,
                "days": 60,
                "pinned": True,
                "tags": ["peer instruction", "concept questions", "lesson planning"],
                "title": "Our 50-minute peer instruction lesson, step by step",
                "situation": "Year 10, mixed attainment, 28 pupils. They could follow worked "
                "examples but froze on unfamiliar problems.",
                "tried": "A one-page reading sheet before the lesson, then three cycles of:\n\n"
                "1. A concept question on the board, one minute to think alone\n"
                "2. Vote with fingers held against the chest, so neighbours cannot copy\n"
                "3. Two minutes convincing a neighbour\n"
                "4. Vote again, then I explain\n\n"
                "The last ten minutes are an exit ticket with one problem.",
                "happened": "Correct answers rose from about 40% on the first vote to 75% on the "
                "second. Exit tickets showed more pupils attempting unfamiliar problems, and "
                "quieter pupils talked more in pairs than they ever had in whole-class "
                "questioning.",
                "outcome": WORKED,
                "learned": "The first, silent vote is essential: without it, pairs simply adopt "
                "the most confident pupil's answer. And the question matters more than the "
                "technique: a good concept question has two tempting wrong answers.",
                "recommend": "Start with one cycle per lesson, not three. Use finger votes before "
                "buying any voting system, and write the wrong answers from real pupil "
                "mistakes.",
            },
            {
                "key": "app",
                "author": "chloe",
                "kind": E,
                "days": 40,
                "tags": ["peer instruction", "technology"],
                "title": "Voting with an app in Year 8: we spent the lesson on logins",
                "situation": "I wanted a record of the votes to see who changed their mind.",
                "tried": "An online voting app on the school tablets, with pupils signing in with "
                "their school accounts.",
                "happened": "Twelve minutes of a 50-minute lesson went on logins and Wi-Fi. Two "
                "tablets had flat batteries. By the second question half the class was on "
                "other tabs, and the data I collected did not change anything I did next.",
                "outcome": FAILED,
                "learned": "The record of votes was for me, not for the pupils' learning. Finger "
                "votes give me what I need in the moment, in seconds.",
                "recommend": "Bring in technology only when the low-tech version works and you "
                "can name the decision the data will change. Try mini-whiteboards first.",
            },
            {
                "key": "adults",
                "author": "erin",
                "kind": E,
                "days": 25,
                "tags": ["concept questions", "adult learning"],
                "title": "Concept questions in a finance workshop for co-op volunteers",
                "situation": "I run finance workshops for volunteers of energy co-operatives. "
                "Adults nod politely at spreadsheets, much like Chloé's pupils.",
                "tried": "I borrowed Chloé's cycle: a concept question (\"if the export tariff "
                'drops by 20%, what happens to the payback time?") with four options, a silent '
                "vote, then discussion in pairs.",
                "happened": "The pair discussions were lively and several people changed their "
                "answer. But adults disliked voting in front of their peers: two left the room "
                "for a coffee whenever we voted.",
                "outcome": MIXED,
                "learned": "Adults fear looking foolish more than teenagers do. Anonymity matters "
                "more with them.",
                "recommend": "With adults, collect votes on folded cards and show the spread of "
                "answers, never who voted what.",
            },
            {
                "key": "wrong",
                "author": "chloe",
                "kind": C,
                "days": 15,
                "tags": ["concept questions", "misconceptions", "fractions"],
                "title": "What do you do when the whole class votes for the same wrong answer?",
                "situation": "On a question about dividing fractions, 85% of the class chose the "
                "same wrong answer. Discussion in pairs made it worse: they convinced each "
                "other.",
                "help_wanted": "Do you explain at that point, or is there a way to keep the peer "
                "discussion useful?",
            },
            {
                "key": "sources",
                "author": "erin",
                "kind": C,
                "days": 2,
                "tags": ["concept questions", "fractions", "ratio"],
                "title": "Where do you find good concept questions on fractions and ratio?",
                "situation": "I want to try a short concept-question session on ratio with "
                "volunteers who calculate members' shares of the co-op's surplus.",
                "help_wanted": "Which question banks or books do you use? Ideally with the common "
                "wrong answers listed.",
            },
        ],
        "comments": [
            {
                "post": "wrong",
                "author": "erin",
                "key": "wrong-erin",
                "helpful": True,
                "body": "I give a contrasting case: two worked answers side by side, one right "
                "and one wrong, without saying which is which. Pairs then argue about which "
                "one is wrong and why. It gives them something concrete to disagree about.",
            },
            {
                "post": "wrong",
                "author": "chloe",
                "reply_to": "wrong-erin",
                "body": "Thanks @erin-walsh, tried it with 9B today: the second vote went from "
                "15% to 60% correct.",
            },
            {
                "post": "plan",
                "author": "erin",
                "body": "How long did it take before the class stopped looking at each other's "
                "fingers?",
            },
        ],
        "reactions": [
            ("plan", "erin", "helpful", ""),
            (
                "plan",
                "erin",
                "applied",
                "Used the silent first vote in a workshop, with cards instead of fingers.",
            ),
            ("app", "erin", "helpful", ""),
            ("adults", "chloe", "helpful", ""),
        ],
    },
    "energy-coops": {
        "posts": [
            {
                "key": "first",
                "author": "erin",
                "kind": E,
                "days": 70,
                "pinned": True,
                "tags": ["co-operatives", "founding", "solar"],
                "title": "From first meeting to first kilowatt-hour in 14 months",
                "situation": "A neighbourhood of 600 households, with a school, a sports hall "
                "and a church hall that had suitable roofs. Nobody on the founding team had run "
                "a co-operative before.",
                "tried": "We worked in three phases, each ending with a decision:\n\n"
                "1. **Months 1–4**: roof surveys and a one-page business case per roof\n"
                "2. **Months 5–9**: founding the co-op with the federation's model rules, and a "
                "share offer\n"
                "3. **Months 10–14**: installer tender, grid connection, installation\n\n"
                "Every phase ended with an open evening where members voted to go on.",
                "happened": "We raised £186,000 from 214 members, installed 142 kWp on two roofs "
                "and switched on in month 14. The church hall dropped out in phase one (listed "
                "building). The grid connection took four months longer than the installer "
                "had promised.",
                "outcome": WORKED,
                "learned": "Open evenings at each decision kept people with us through the dull "
                "months. The grid connection is the critical path, not the fundraising.",
                "recommend": "Apply for the grid connection as soon as you know the roof, before "
                "you have the money. Use the federation's model rules instead of writing your "
                "own.",
            },
            {
                "key": "crowd",
                "author": "dev",
                "kind": E,
                "days": 45,
                "tags": ["financing", "crowdfunding", "roofs"],
                "title": "We launched crowdfunding before we had a roof agreement",
                "situation": "Our co-op had enthusiasm, a website, and a school that was "
                '"very interested".',
                "tried": "We opened a share offer on a crowdfunding platform to use the "
                "momentum, with the school roof in the pictures.",
                "happened": "We raised £31,000 in pledges in three weeks. Then the school's "
                "governors asked their diocese to review a 25-year lease, which took eight "
                "months. The campaign expired, the pledges were returned, and many people did "
                "not come back for the second offer.",
                "outcome": FAILED,
                "learned": "Momentum is worth less than a signed lease. A failed campaign spends "
                "the trust you need for the next one.",
                "recommend": "Do not open a share offer before the roof owner has signed heads of "
                "terms. Use the waiting time to build a members' list, not to collect pledges.",
            },
            {
                "key": "shares",
                "author": "erin",
                "kind": E,
                "days": 30,
                "tags": ["financing", "membership"],
                "title": "A £50 minimum share: more members, more admin",
                "situation": "Our first offer had a £250 minimum. Several neighbours told us they "
                "could not afford it.",
                "tried": "For the second offer we lowered the minimum to £50 and allowed payment "
                "in five monthly instalments.",
                "happened": "Membership rose from 214 to 389, and many more of the new members "
                "were renters. But instalments tripled the bookkeeping, and 19 people stopped "
                "paying after the first instalment.",
                "outcome": MIXED,
                "learned": "A low minimum brings in the people the co-op is for. Instalments are "
                "where the admin cost hides.",
                "recommend": "Lower the minimum, but take payment in one go or by a standing "
                "order your bank reconciles automatically.",
            },
            {
                "key": "governors",
                "author": "dev",
                "kind": C,
                "days": 18,
                "tags": ["roofs", "schools", "negotiation"],
                "title": "How did you convince a school board to lease its roof?",
                "situation": "After our crowdfunding failure we are talking to the school again. "
                "The governors worry about roof damage, liability and being tied in for 25 "
                "years.",
                "help_wanted": "What did you put in front of your school governors? Any lease "
                "clauses that reassured them?",
            },
            {
                "key": "insurance",
                "author": "erin",
                "kind": C,
                "days": 4,
                "tags": ["insurance", "volunteers"],
                "title": "Insurance for volunteers who help with maintenance?",
                "situation": "Volunteers clean panels and check inverters twice a year. Our "
                "insurer will not say clearly whether they are covered on the roof.",
                "help_wanted": "How do other co-ops insure their volunteers? Do you let "
                "volunteers on roofs at all?",
            },
        ],
        "comments": [
            {
                "post": "governors",
                "author": "erin",
                "key": "governors-erin",
                "helpful": True,
                "body": "Three things worked for us:\n\n"
                "1. a structural survey paid for by the co-op\n"
                "2. a clause that the co-op removes and refits the panels at its own cost if the "
                "roof needs repair\n"
                "3. free electricity for the school during school hours\n\n"
                "And bring a governor from a school that already did it: that did more than "
                "any document.",
            },
            {
                "post": "governors",
                "author": "dev",
                "reply_to": "governors-erin",
                "body": "Found a school two towns over with panels; their bursar has agreed to "
                "come to our governors' meeting.",
            },
            {
                "post": "insurance",
                "author": "dev",
                "body": "We only let the installer on the roof; volunteers take the inverter "
                "readings from the ground. That does not answer the insurance question, though.",
            },
        ],
        "reactions": [
            ("first", "dev", "helpful", ""),
            (
                "first",
                "dev",
                "applied",
                "Applied for the grid connection first this time: the offer came in six weeks.",
            ),
            ("shares", "dev", "helpful", ""),
            ("crowd", "erin", "helpful", ""),
        ],
    },
}

CONTENT_FIELDS = ("title", "situation", "tried", "happened", "outcome", "learned", "recommend")


def _backdate(post: Post, when) -> None:
    # Demo content reads better spread over the last weeks than written in one second.
    Post.objects.filter(pk=post.pk).update(
        created_at=when, published_at=when, last_activity_at=when
    )
    post.created_at = post.published_at = post.last_activity_at = when


def _create_post(community: Community, item: dict, users: dict) -> Post:
    existing = community.posts.filter(title=item["title"]).first()
    if existing is not None:
        return existing
    data = {f: item[f] for f in (*CONTENT_FIELDS, "help_wanted") if f in item}
    post = services.post_create(
        community=community,
        author=users[item["author"]],
        kind=item["kind"],
        data=data,
        tags=item["tags"],
    )
    _backdate(post, timezone.now() - timedelta(days=item["days"], hours=3))
    if item.get("pinned"):
        facilitator = community.memberships.facilitators().select_related("user").first()
        services.post_set_pinned(post=post, by=facilitator.user, pinned=True)
    return post


def starter_post(community: Community, users: dict) -> Post | None:
    """The community's pinned starter post, written by its facilitator before launch
    (the launch checklist asks for a seed experience). None if it has no demo posts."""
    spec = DEMO.get(community.slug)
    if spec is None:
        return None
    item = next(i for i in spec["posts"] if i.get("pinned"))
    return _create_post(community, item, users)


def _seed_community(community: Community, spec: dict, users: dict) -> int:
    now = timezone.now()
    posts: dict[str, Post] = {}
    for item in spec["posts"]:
        posts[item["key"]] = _create_post(community, item, users)
    comments: dict[str, Comment] = {}
    for number, item in enumerate(spec["comments"], start=1):
        post = posts[item["post"]]
        parent = comments.get(item.get("reply_to", ""))
        comment = services.comment_create(
            post=post, author=users[item["author"]], body=item["body"], parent=parent
        )
        when = min(post.published_at + timedelta(hours=4 * number), now)
        Comment.objects.filter(pk=comment.pk).update(created_at=when)
        Post.objects.filter(pk=post.pk).update(last_activity_at=when)
        if item.get("key"):
            comments[item["key"]] = comment
        if item.get("helpful"):
            services.comment_mark_helpful(comment=comment, by=post.author)
    for key, member, kind, note in spec["reactions"]:
        services.reaction_set(
            post=posts[key], user=users[member], kind=kind, active=True, note=note
        )
    return len(posts)


def seed(*, users: dict, stdout) -> None:
    """Create the demo posts of every demo community that does not have them yet.

    Safe to run again.
    """
    created = 0
    communities = Community.objects.filter(slug__in=list(DEMO)).exclude(
        stage=Community.Stage.ARCHIVED
    )
    for community in communities:
        # The starter post exists from before launch; the rest marks a seeded community.
        demo_titles = [i["title"] for i in DEMO[community.slug]["posts"] if not i.get("pinned")]
        if community.posts.filter(title__in=demo_titles).exists():
            continue
        created += _seed_community(community, DEMO[community.slug], users)
    stdout.write(f"Posts: {created} created, {Post.objects.count()} in total")

"""Three months of life in the demo "Safe shift handovers" community.

A crowd of demo members joins over the last 90 days, introduces itself (or not),
mostly reads, shares experiences that worked, half-worked and failed, asks challenges
that get answered within hours or wait for days, applies each other's ideas, reports
two items to the facilitators, and four people leave. Everything is written through
the services, then moved back in time, so the health dashboard and the review queue
show something real.

Safe to run again: a community that already has its crowd is left alone, and every
date is relative to the day the demo was first seeded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from communities import services
from communities.models import (
    CharterAcceptance,
    CharterVersion,
    Community,
    Membership,
    MembershipEvent,
    Report,
    StageChange,
)
from demo.people import DEMO_PASSWORD
from members.models import User
from practices import services as practices_services
from practices.models import Comment, Post, Reaction
from practices.moderation import report_create

SLUG = "safe-handovers"
LAUNCHED_DAYS_AGO = 100
# The founders (from demo.communities) joined right after the launch.
FOUNDERS_DAYS_AGO = {"ada": 100, "ben": 99, "chloe": 97, "dev": 96}

# key, name, bio, joined (days ago), left (days ago or None), completed profile, intro
CROWD = [
    ("fatima", "Fatima Idowu", "Night-shift charge nurse on a medical ward.", 88, None, 1, 1),
    ("gus", "Gustav Lind", "Intensive care nurse; teaches the new starters.", 84, None, 1, 1),
    ("hana", "Hana Kobayashi", "Student nurse in her final placement.", 80, None, 0, 0),
    ("ivan", "Ivan Petrov", "Paramedic, hands over in emergency departments daily.", 75, 30, 1, 0),
    ("jo", "Jo Mensah", "Ward manager on a busy surgical ward.", 70, None, 1, 1),
    ("kemal", "Kemal Aydın", "Physiotherapist on the stroke unit.", 63, None, 1, 1),
    ("lena", "Lena Fischer", "Midwife on the labour ward.", 58, None, 1, 1),
    ("marco", "Marco Bianchi", "Emergency department nurse.", 52, 12, 1, 0),
    ("nia", "Nia Roberts", "Leads the nursing team of a care home.", 47, None, 1, 1),
    ("omar", "Omar Haddad", "Ward pharmacist.", 41, None, 1, 1),
    ("priya", "Priya Shah", "Junior doctor in her second foundation year.", 35, None, 1, 1),
    ("quinn", "Quinn Taylor", "Agency nurse.", 28, 6, 0, 0),
    ("rosa", "Rosa Delgado", "Theatre nurse, recovery room.", 21, None, 1, 1),
    ("tomas", "Tomás Silva", "Mental health nurse on an acute ward.", 14, None, 1, 0),
    ("una", "Una Byrne", "District nurse.", 9, None, 1, 1),
    ("viktor", "Viktor Nowak", "Healthcare assistant on nights.", 4, None, 0, 0),
    ("wen", "Wen Li", "Clinical educator for the surgical wards.", 2, None, 0, 0),
    # People who read and learn but have not written anything yet.
    ("xavier", "Xavier Dupont", "Nurse practitioner in a walk-in centre.", 86, None, 1, 0),
    ("yara", "Yara Nasser", "Ward sister on a respiratory ward.", 67, None, 1, 1),
    ("zoe", "Zoë Clarke", "Newly qualified community nurse.", 45, None, 0, 0),
    ("aiden", "Aiden Murphy", "Operating department practitioner.", 31, 15, 1, 0),
    ("bea", "Beatriz Costa", "Nurse on a dementia ward.", 19, None, 0, 0),
    ("chen", "Chen Wei", "Student paramedic.", 7, None, 1, 0),
]

W, M, F = "worked", "mixed", "failed"

# key, author, days ago, outcome, title, tried, happened, learned
EXPERIENCES = [
    (
        "huddle",
        "fatima",
        82,
        W,
        "A two-minute safety huddle before the night handover",
        "Before the bedside round, the whole night team stands together for two minutes: "
        "who is sickest, who might deteriorate, which beds are expected.",
        "Handover itself got shorter because the big picture was already shared. The day "
        "team asked fewer questions afterwards.",
        "The huddle works because it is short and always at the same spot.",
    ),
    (
        "ehr",
        "gus",
        76,
        M,
        "A handover sheet printed from the records: complete, but nobody read page two",
        "We printed a two-page summary per patient from the electronic record.",
        "Everything was on it, but people only read the first page. Allergies sat on page two.",
        "Complete is not the same as usable. Put what can kill on page one.",
    ),
    (
        "protected",
        "jo",
        66,
        W,
        "Protected handover time: no phone calls from 07:00 to 07:20",
        "Ward clerk takes all calls during handover and passes on only emergencies.",
        "Handover was interrupted 1.2 times on average instead of 6. Nobody missed an emergency.",
        "Interruptions, not content, made our handovers long.",
    ),
    (
        "dictaphone",
        "kemal",
        55,
        F,
        "Recording handovers on a dictaphone for the next shift",
        "The outgoing therapist recorded a short voice note per patient.",
        "Nobody had time to listen. Questions could not be asked, and two recordings were lost.",
        "A handover is a conversation; a recording removes the questions that catch errors.",
    ),
    (
        "birthplan",
        "lena",
        49,
        W,
        "Midwifery handover with the woman's birth plan in hand",
        "We hand over at the bedside, with the birth plan open and the woman invited to add.",
        "Women corrected us twice in the first week. Complaints about repeated questions stopped.",
        "The plan is the woman's; handing over with it keeps her at the centre.",
    ),
    (
        "board",
        "fatima",
        38,
        F,
        "A colour-coded patient board that nobody kept up to date",
        "Magnetic colours for falls risk, isolation and fasting on the ward board.",
        "After three weeks half the colours were wrong and people stopped trusting the board.",
        "A board that is wrong is worse than no board. Someone must own it every shift.",
    ),
    (
        "pharmacist",
        "omar",
        33,
        W,
        "A pharmacist at the morning handover twice a week",
        "I joined the bedside handover on Mondays and Thursdays for six weeks.",
        "We caught eleven medication issues, three of them serious, before the drug round.",
        "Ten minutes at handover saves an hour of phone calls later.",
    ),
    (
        "doctors",
        "priya",
        26,
        M,
        "Doctors joining the nurses' bedside handover",
        "The ward doctor joined the nurses' handover instead of holding a separate one.",
        "Plans were clearer, but the handover took longer and the doctor was bleeped away twice.",
        "Worth it for the sickest patients only; we now join for the first five beds.",
    ),
    (
        "families",
        "nia",
        18,
        W,
        "Handing over to families at visiting time in the care home",
        "A two-line summary for each resident's family, given by the nurse in charge at 15:00.",
        "Families stopped calling the nurses' station in the evening. Two raised concerns we "
        "had missed.",
        "Families notice changes we do not; give them a moment in the handover.",
    ),
    (
        "trolley",
        "rosa",
        11,
        M,
        "A theatre-to-ward handover checklist on the trolley",
        "A laminated checklist travels with the patient from recovery to the ward.",
        "The ward nurses liked it; the porters kept losing it between floors.",
        "Fix the checklist to the trolley, not to the patient notes.",
    ),
    (
        "teachback",
        "gus",
        6,
        W,
        "Teach-back at the end of each patient's handover",
        "The incoming nurse repeats the two most important points for each patient.",
        "Three misunderstandings caught in the first week, each in under ten seconds.",
        "Saying it back is the cheapest check we have.",
    ),
]

# key, author, days ago, title, situation, answer (author, hours later, helpful) or None
CHALLENGES = [
    (
        "students",
        "hana",
        78,
        "How can student nurses take part in handover without slowing it down?",
        "Students are told to listen, but then cannot ask anything.",
        ("fatima", 3, True),
    ),
    (
        "corridor",
        "marco",
        50,
        "Handing over patients who are still in the ED corridor",
        "Patients wait on trolleys in the corridor; nobody knows who hands them over to whom.",
        ("jo", 6, True),
    ),
    (
        "agency",
        "nia",
        44,
        "Handover when half the night staff come from an agency",
        "Agency nurses do not know our residents or our handover sheet.",
        ("ben", 20, True),
    ),
    (
        "sixty",
        "ivan",
        40,
        "What should a paramedic hand over in the first 60 seconds?",
        "The receiving team is busy; we get one minute before they turn away.",
        ("gus", 1.5, True),
    ),
    (
        "unfinished",
        "priya",
        24,
        "Who owns the tasks nobody finished before handover?",
        "Bloods not taken, a scan not booked: at handover they belong to nobody.",
        ("fatima", 4, True),
    ),
    (
        "death",
        "rosa",
        16,
        "Handing over after a sudden death on the ward",
        "The team is shaken; the next shift walks into a silent ward and nobody says why.",
        ("lena", 50, False),
    ),
    (
        "observation",
        "tomas",
        10,
        "Handing over patients on one-to-one observation",
        "The nurse observing cannot leave the patient to join the handover.",
        None,
    ),
    (
        "gp",
        "una",
        5,
        "Handover between district nurses and the GP practice",
        "We share patients with three practices, each with its own way of passing on news.",
        None,
    ),
    (
        "hca",
        "viktor",
        1,
        "Should healthcare assistants join the bedside handover?",
        "Healthcare assistants do most of the care at night but hear handover second-hand.",
        None,
    ),
]

ANSWERS = {
    "students": "Give each student one patient to hand over, with their mentor next to "
    "them. They prepare it before the shift ends; it takes no longer.",
    "corridor": "We made the corridor a 'bay' with its own nurse on the rota. The corridor "
    "nurse hands over like any other bay.",
    "agency": "A one-page orientation sheet in the agency folder, and every agency nurse is "
    "paired with a regular for the first handover round.",
    "sixty": "Name, age, what happened, what we found, what we did, what worries us. The "
    "rest can wait for the written record.",
    "unfinished": "We write unfinished tasks on the handover sheet with a name next to each. "
    "No name, no handover.",
    "death": "We hold a five-minute pause at the start of the next shift. It helped us, "
    "but I do not know if it fits every ward.",
}

# post key, author, hours after the post, body
COMMENTS = [
    ("huddle", "ada", 5, "We tried this on our ward last year; standing made it short."),
    ("huddle", "jo", 20, "Do you do it before or after the bed manager's call?"),
    ("huddle", "fatima", 26, "Before: the bed manager calls at 20:15, we huddle at 20:00."),
    ("ehr", "ada", 7, "Could the summary be one page, with the rest one click away?"),
    ("ehr", "omar", 30, "Allergies on page two is a pharmacist's nightmare. Thank you."),
    ("protected", "fatima", 3, "How did the consultants react to the call embargo?"),
    ("protected", "jo", 9, "Grumbled for a week, then asked for the same on their ward."),
    ("protected", "gus", 30, "Copying this for the ICU morning handover."),
    ("dictaphone", "ada", 4, "Thank you for sharing one that did not work. Very useful."),
    ("dictaphone", "gus", 12, "We tried written notes instead: same problem, no questions."),
    ("birthplan", "fatima", 6, "Do you ever leave something out because the woman is there?"),
    ("birthplan", "lena", 9, "Yes: we hand over sensitive things outside first."),
    ("birthplan", "jo", 40, "Bringing this to our surgical pre-op handover."),
    ("board", "gus", 2, "Who owns it on your ward now?"),
    ("board", "fatima", 5, "The nurse in charge, every shift, and it is on the checklist."),
    ("pharmacist", "fatima", 4, "Eleven issues in six weeks is a strong case for funding."),
    ("pharmacist", "ada", 8, "Could you share which kinds of issues they were?"),
    ("pharmacist", "priya", 30, "As a junior doctor: please come to ours too."),
    ("doctors", "fatima", 6, "The first five beds rule is clever."),
    ("doctors", "gus", 20, "Our registrars join only for patients flagged the night before."),
    ("families", "ada", 3, "Lovely. Which two lines do you give?"),
    ("families", "fatima", 9, "Stealing this for our long-stay patients."),
    ("families", "lena", 30, "We do the same with partners on the postnatal ward."),
    ("trolley", "fatima", 4, "Velcro on the trolley rail worked for us."),
    ("trolley", "jo", 10, "Does it come back to theatre afterwards?"),
    ("teachback", "fatima", 3, "Two points per patient keeps it quick. Trying tonight."),
    ("teachback", "ada", 7, "This is what our SBAR pocket card was missing."),
    ("observation", "fatima", 120, "Following: we have the same problem on nights."),
]

# post key, member, days ago, note
APPLIED = [
    ("huddle", "gus", 70, "Started a huddle on ICU; the night team loves it."),
    ("huddle", "jo", 60, "Two-minute huddle at 07:00, before the protected time."),
    ("protected", "ada", 58, "Ward clerk now takes calls during handover."),
    ("protected", "nia", 40, "Phones off for 15 minutes at the care home handover."),
    ("birthplan", "rosa", 20, "Patient's own plan at recovery handover."),
    ("pharmacist", "priya", 28, "Invited our pharmacist on Mondays."),
    ("families", "una", 8, "Two lines for families at the end of a home visit."),
    ("teachback", "fatima", 4, "Teach-back on nights: caught a wrong fasting time."),
    ("teachback", "hana", 2, "Used it on my placement; my mentor adopted it."),
]

RUDE_COMMENT = (
    "Honestly, if nurses cannot keep a few colours up to date, that is a staffing failure, "
    "not a board failure. Which ward is this? Name it."
)
ADVERT = {
    "title": "Our agency's shift app solves handover: sign up with my code",
    "tried": "Everyone on the shift installs the app and uses my referral code QUINN20.",
    "happened": "Handovers are all in the app. Download it today, first month free.",
    "learned": "Apps beat paper. Use my code for a discount.",
    "outcome": "worked",
}


def _user(key: str, name: str, bio: str) -> User:
    email = f"{key}@practica.test"
    user = User.objects.filter(email__iexact=email).first() or User(email=email)
    user.display_name, user.bio, user.is_active = name, bio, True
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _at(now: datetime, days: float, hours: float = 0) -> datetime:
    return now - timedelta(days=days) + timedelta(hours=hours)


def _backdate_membership(membership: Membership, when: datetime) -> None:
    Membership.objects.filter(pk=membership.pk).update(
        joined_at=when, created_at=when, accepted_charter_at=when
    )
    MembershipEvent.objects.filter(membership=membership).update(created_at=when)
    CharterAcceptance.objects.filter(membership=membership).update(accepted_at=when)


def _backdate_founding(community: Community, users: dict, now: datetime) -> None:
    """The community opened 100 days ago and its founders joined then."""
    launched = _at(now, LAUNCHED_DAYS_AGO)
    Community.objects.filter(pk=community.pk).update(
        created_at=launched - timedelta(days=4), launched_at=launched
    )
    StageChange.objects.filter(community=community).update(changed_at=launched)
    CharterVersion.objects.filter(community=community).update(
        published_at=launched - timedelta(days=2)
    )
    for key, days in FOUNDERS_DAYS_AGO.items():
        membership = Membership.objects.filter(community=community, user=users[key]).first()
        if membership is None:
            continue
        when = _at(now, days, hours=9)
        _backdate_membership(membership, when)
        Membership.objects.filter(pk=membership.pk).update(
            profile_completed_at=when, introduced_at=when, onboarding_completed_at=when
        )


def _join(community: Community, user: User, when: datetime, *, profile: bool, intro: bool):
    membership = services.membership_join(community=community, user=user, accepted_rules=True)
    if profile:
        services.onboarding_set_profile(
            membership=membership, can_help_with=["handover"], wants_to_learn=["sbar"]
        )
    if intro:
        services.onboarding_introduce(membership=membership, intro=user.bio)
    _backdate_membership(membership, when)
    later = when + timedelta(hours=2)
    Membership.objects.filter(pk=membership.pk, profile_completed_at__isnull=False).update(
        profile_completed_at=later
    )
    Membership.objects.filter(pk=membership.pk, introduced_at__isnull=False).update(
        introduced_at=later
    )
    Membership.objects.filter(pk=membership.pk, onboarding_completed_at__isnull=False).update(
        onboarding_completed_at=later
    )
    return membership


def _backdate_post(post, when: datetime) -> None:
    Post.objects.filter(pk=post.pk).update(
        created_at=when, published_at=when, last_activity_at=when
    )
    post.created_at = post.published_at = post.last_activity_at = when


def _comment(post, author: User, when: datetime, body: str):
    comment = practices_services.comment_create(post=post, author=author, body=body)
    when = min(when, timezone.now() - timedelta(minutes=5))
    Comment.objects.filter(pk=comment.pk).update(created_at=when)
    Post.objects.filter(pk=post.pk, last_activity_at__lt=when).update(last_activity_at=when)
    comment.created_at = when
    return comment


def _report(reporter: User, when: datetime, *, post=None, comment=None, rule_index=None, note=""):
    """Through the moderation service, then moved back in time."""
    community = (post or comment.post).community
    rules = list(community.rules.all())
    rule = rules[rule_index] if rule_index is not None and rule_index < len(rules) else None
    report = report_create(
        reporter=reporter,
        post=post,
        comment=comment,
        rule_id=str(rule.pk) if rule else "other",
        note=note,
    )
    Report.objects.filter(pk=report.pk).update(created_at=when)


def seed(*, users: dict, stdout) -> None:
    """Give the demo handover community three months of activity. Safe to run again."""
    community = Community.objects.filter(slug=SLUG, stage=Community.Stage.LAUNCHED).first()
    if community is None:
        return
    first = f"{CROWD[0][0]}@practica.test"
    if community.memberships.filter(user__email=first).exists():
        stdout.write("Activity: already seeded")
        return
    now = timezone.now()
    _backdate_founding(community, users, now)
    people = dict(users)
    memberships = {}
    for key, name, bio, joined, _left, profile, intro in CROWD:
        people[key] = _user(key, name, bio)
        memberships[key] = _join(
            community,
            people[key],
            _at(now, joined, hours=len(memberships) % 9),
            profile=bool(profile),
            intro=bool(intro),
        )

    posts = {}
    for key, author, days, outcome, title, tried, happened, learned in EXPERIENCES:
        post = practices_services.post_create(
            community=community,
            author=people[author],
            kind=Post.Kind.EXPERIENCE,
            data={
                "title": title,
                "tried": tried,
                "happened": happened,
                "learned": learned,
                "outcome": outcome,
            },
            tags=["handover"],
        )
        _backdate_post(post, _at(now, days, hours=-2))
        posts[key] = post
    for key, author, days, title, situation, answer in CHALLENGES:
        post = practices_services.post_create(
            community=community,
            author=people[author],
            kind=Post.Kind.CHALLENGE,
            data={"title": title, "situation": situation, "help_wanted": "What worked for you?"},
            tags=["handover"],
        )
        when = _at(now, days, hours=-3)
        _backdate_post(post, when)
        posts[key] = post
        if answer:
            who, hours, helpful = answer
            reply = _comment(post, people[who], when + timedelta(hours=hours), ANSWERS[key])
            if helpful:
                practices_services.comment_mark_helpful(comment=reply, by=people[author])
                marked = reply.created_at + timedelta(hours=1)
                Comment.objects.filter(pk=reply.pk).update(marked_helpful_at=marked)
                Post.objects.filter(pk=post.pk).update(answered_at=marked)
    for key, author, hours, body in COMMENTS:
        post = posts[key]
        _comment(post, people[author], post.published_at + timedelta(hours=hours), body)
    for key, member, days, note in APPLIED:
        reaction = practices_services.reaction_set(
            post=posts[key], user=people[member], kind="applied", active=True, note=note
        )
        Reaction.objects.filter(pk=reaction.pk).update(created_at=_at(now, days))

    # Two items for the facilitators' review queue.
    rude = _comment(posts["board"], people["marco"], _at(now, 20), RUDE_COMMENT)
    _report(people["fatima"], _at(now, 19), comment=rude, rule_index=1)
    _report(people["gus"], _at(now, 18), comment=rude, rule_index=1)
    advert = practices_services.post_create(
        community=community, author=people["quinn"], kind=Post.Kind.EXPERIENCE, data=ADVERT
    )
    _backdate_post(advert, _at(now, 9))
    _report(people["jo"], _at(now, 8), post=advert, note="Advertising an app with a referral code.")

    for key, _name, _bio, _joined, left, _profile, _intro in CROWD:
        if left is None:
            continue
        services.membership_leave(membership=Membership.objects.get(pk=memberships[key].pk))
        when = _at(now, left)
        Membership.objects.filter(pk=memberships[key].pk).update(ended_at=when)
        MembershipEvent.objects.filter(
            membership=memberships[key], action=MembershipEvent.Action.LEFT
        ).update(created_at=when)
    Community.objects.filter(pk=community.pk).update(last_activity_at=_at(now, 1))
    stdout.write(
        f"Activity: {len(CROWD)} members joined {community.name} over 90 days, "
        f"{len(posts) + 1} posts, {Report.objects.filter(community=community).count()} reports"
    )

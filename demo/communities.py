"""Demo communities: each kind and visibility, with charters, members, requests and invitations."""

from allauth.account.models import EmailAddress
from django.db.models import Q

from communities import services
from communities.models import Community, Membership
from demo import posts
from practices import services as practices_services

COMMUNITIES = [
    {
        "slug": "safe-handovers",
        "name": "Safe shift handovers",
        "kind": Community.Kind.PRACTICE,
        "facilitator": "ada",
        "challenge": "Information gets lost when a shift hands over its patients. "
        "How do we make handovers short, complete and safe?",
        "purpose": "Nurses and ward leads from different hospitals compare how they hand over "
        "patients between shifts: **what they tried**, what happened, and what they would "
        "do again. We collect concrete practice, not policy documents.",
        "audience": "Nurses, ward leads and anyone who runs or improves shift handovers.",
        "meeting_rhythm": "Monthly case clinic, first Thursday, 45 minutes online",
        "visibility": Community.Visibility.PUBLIC,
        "join_policy": Community.JoinPolicy.OPEN,
        "cover_color": Community.Cover.TEAL,
        "tags": ["handover", "patient safety", "nursing"],
        "team": {"ben": Membership.Role.CORE},
        "members": {
            "chloe": (["classroom routines"], ["handover", "checklists"]),
            "dev": (["structured interviews"], ["sbar"]),
        },
        "helps": (["handover", "sbar"], ["night shifts"]),
    },
    {
        "slug": "blameless-reviews",
        "name": "Blameless incident reviews",
        "kind": Community.Kind.PRACTICE,
        "facilitator": "ben",
        "challenge": "After an outage, reviews either hunt for a culprit or produce action "
        "items nobody does. How do we run reviews people learn from?",
        "purpose": "Engineers and operations people share how they ran post-incident reviews, "
        "what made people speak openly, and which follow-ups actually happened.",
        "audience": "Site reliability engineers, on-call engineers and their managers.",
        "meeting_rhythm": "Fortnightly review swap, Tuesdays",
        "visibility": Community.Visibility.MEMBERS,
        "join_policy": Community.JoinPolicy.REQUEST,
        "cover_color": Community.Cover.OCEAN,
        "tags": ["incidents", "learning from failure"],
        "questions": [
            "What is your role, and how often are you on call?",
            "Tell us about one review you took part in: what went well or badly?",
        ],
        "team": {},
        "members": {"ada": (["facilitation"], ["incident timelines"])},
        "requests": {
            "dev": [
                "Product manager; I join incident calls when customers are affected.",
                "Our last review blamed the intern. I want to learn how to avoid that.",
            ]
        },
        "helps": (["postmortems", "on-call"], ["facilitation"]),
    },
    {
        "slug": "peer-instruction-maths",
        "name": "Peer instruction in maths",
        "kind": Community.Kind.INTEREST,
        "facilitator": "chloe",
        "challenge": "Pupils nod along but cannot solve problems alone. Does peer instruction "
        "help, and how do we run it in a 50-minute lesson?",
        "purpose": "Maths teachers who try peer instruction and concept questions share "
        "lesson plans, what their classes did, and what they changed afterwards.",
        "audience": "Secondary-school maths teachers and teacher trainers.",
        "meeting_rhythm": "Termly lesson-study afternoon",
        "visibility": Community.Visibility.PUBLIC,
        "join_policy": Community.JoinPolicy.OPEN,
        "cover_color": Community.Cover.CLAY,
        "tags": ["teaching", "peer instruction"],
        "team": {},
        "members": {"erin": (["running workshops"], ["concept questions"])},
        "helps": (["concept questions", "classroom routines"], ["assessment"]),
    },
    {
        "slug": "energy-coops",
        "name": "Community energy co-operatives",
        "kind": Community.Kind.ACTION,
        "facilitator": "erin",
        "challenge": "Neighbourhoods want to own their solar roofs, but founding and running a "
        "co-operative is hard. How do we get from idea to first kilowatt-hour?",
        "purpose": "Organisers of local energy co-operatives exchange what worked in founding, "
        "financing and running them, and push for better rules together.",
        "audience": "Founders and board members of energy co-operatives.",
        "meeting_rhythm": "Quarterly founders' circle",
        "visibility": Community.Visibility.HIDDEN,
        "join_policy": Community.JoinPolicy.INVITATION,
        "cover_color": Community.Cover.MOSS,
        "tags": ["energy", "co-operatives"],
        "team": {},
        "members": {"dev": (["pitching to investors"], ["co-op law"])},
        "invite": ["chloe@practica.test", "newcomer@practica.test"],
        "helps": (["community organising", "co-op law"], ["financing"]),
    },
    {
        "slug": "remote-onboarding-2024",
        "name": "Remote onboarding 2024",
        "kind": Community.Kind.PRACTICE,
        "facilitator": "ada",
        "challenge": "How do new hires become productive when the whole team is remote?",
        "purpose": "A year-long exchange between team leads on onboarding remote hires.",
        "audience": "Team leads who hired remotely in 2024.",
        "meeting_rhythm": "Monthly",
        "visibility": Community.Visibility.PUBLIC,
        "join_policy": Community.JoinPolicy.OPEN,
        "cover_color": Community.Cover.SAND,
        "tags": ["onboarding", "remote work"],
        "team": {},
        "members": {"ben": (["remote pairing"], ["buddy systems"])},
        "archive": "We met our goal: the playbook is written. Thank you all; reading stays open.",
        "helps": (["buddy systems"], []),
    },
]

PLANNED = {
    "slug": "discovery-interviews",
    "name": "Product discovery interviews",
    "kind": Community.Kind.PRACTICE,
    "facilitator": "dev",
    "challenge": "Customer interviews confirm what we already believe. How do we learn "
    "something we did not expect?",
    "purpose": "",
    "visibility": Community.Visibility.PUBLIC,
    "join_policy": Community.JoinPolicy.OPEN,
}


def _fields(spec: dict) -> dict:
    keys = ("purpose", "audience", "meeting_rhythm", "visibility", "join_policy", "cover_color")
    return {k: spec[k] for k in keys if k in spec}


def _seed_post(community: Community, owner, users: dict) -> None:
    """The launch checklist asks for one seed experience before a community opens."""
    if posts.starter_post(community, users) is not None:
        return
    post = practices_services.post_create(
        community=community,
        author=owner,
        kind="experience",
        data={
            "title": "A buddy and a 30-60-90 plan beat our two-day onboarding bootcamp",
            "situation": "Fully remote team of nine; three new engineers joined in one month.",
            "tried": "Instead of a two-day video bootcamp, every new hire got a buddy for "
            "daily 15-minute calls and a written 30-60-90 day plan agreed in week one.",
            "happened": "All three shipped a change in their first week. One buddy pairing "
            "did not work (time zones six hours apart) and we swapped after ten days.",
            "outcome": "mixed",
            "learned": "A buddy in the same time zone matters more than the content of the "
            "first week. The written plan made progress visible for both sides.",
            "recommend": "Pick buddies by time zone first, then by skills.",
        },
        tags=["onboarding", "buddy systems"],
    )
    practices_services.post_set_pinned(post=post, by=owner, pinned=True)


def _build(spec: dict, users: dict) -> Community:
    owner = users[spec["facilitator"]]
    community = services.community_create(
        user=owner,
        name=spec["name"],
        challenge=spec["challenge"],
        kind=spec["kind"],
        slug=spec["slug"],
        **_fields(spec),
    )
    community.tags.set(spec.get("tags", []))
    services.questions_set(community=community, texts=spec.get("questions", []))
    services.charter_publish(community=community, by=owner, is_material=True, summary="First rules")
    services.onboarding_configure(
        community=community,
        welcome_message=f"Welcome to **{spec['name']}**! Start by reading the rules, then tell "
        "us what you can help with and what you want to learn.",
        profile=True,
        intro=True,
        pinned=False,
    )
    owner_membership = Membership.objects.get(community=community, user=owner)
    helps, learns = spec.get("helps", ([], []))
    services.onboarding_set_profile(
        membership=owner_membership, can_help_with=helps, wants_to_learn=learns
    )
    services.onboarding_introduce(
        membership=owner_membership, intro=f"I started this community. {owner.bio}"
    )
    for key, role in spec.get("team", {}).items():
        services.invitations_create(
            community=community, by=owner, emails=[users[key].email], role=role
        )
    # Planned communities need a team invitation before launch.
    if not spec.get("team"):
        services.invitations_create(
            community=community,
            by=owner,
            emails=[f"co-facilitator.{community.slug}@practica.test"],
            role="core",
        )
    _seed_post(community, owner, users)
    community = services.community_launch(community=community, by=owner)
    by_email = {u.email: u for u in users.values()}
    for invitation in community.invitations.open().filter(email__in=list(by_email)):
        services.invitation_accept(
            invitation=invitation, user=by_email[invitation.email], accepted_rules=True
        )
    for key, (helps, learns) in spec.get("members", {}).items():
        user = users[key]
        if community.join_policy == Community.JoinPolicy.OPEN:
            membership = services.membership_join(
                community=community, user=user, accepted_rules=True
            )
        else:
            services.invitations_create(community=community, by=owner, emails=[user.email])
            invitation = community.invitations.open().get(email=user.email)
            membership = services.invitation_accept(
                invitation=invitation, user=user, accepted_rules=True
            )
        services.onboarding_set_profile(
            membership=membership, can_help_with=helps, wants_to_learn=learns
        )
        services.onboarding_introduce(membership=membership, intro=user.bio)
    for key, answers in spec.get("requests", {}).items():
        services.membership_request(
            community=community, user=users[key], answers=answers, accepted_rules=True
        )
    if spec.get("invite"):
        services.invitations_create(community=community, by=owner, emails=spec["invite"])
    if spec.get("archive"):
        services.community_archive(community=community, by=owner, note=spec["archive"])
    return community


def seed(*, users: dict) -> None:
    """Create the demo communities that do not exist yet. Safe to run again."""
    existing = set(
        Community.objects.filter(
            Q(slug__in=[s["slug"] for s in COMMUNITIES]) | Q(slug=PLANNED["slug"])
        ).values_list("slug", flat=True)
    )
    for spec in COMMUNITIES:
        if spec["slug"] not in existing:
            _build(spec, users)
    if PLANNED["slug"] not in existing:
        services.community_create(
            user=users[PLANNED["facilitator"]],
            name=PLANNED["name"],
            challenge=PLANNED["challenge"],
            kind=PLANNED["kind"],
            slug=PLANNED["slug"],
            **_fields(PLANNED),
        )
    # Demo addresses used by invitations are verified so the demo users can accept them.
    EmailAddress.objects.filter(email__endswith="@practica.test").update(verified=True)


def summary() -> str:
    """One line naming every community, printed once all demo activity is in."""
    return (
        f"Communities: {Community.objects.count()} "
        f"({', '.join(sorted(Community.objects.values_list('slug', flat=True)))})"
    )

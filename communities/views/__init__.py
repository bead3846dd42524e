"""Pages of a community, by journey.

Members and visitors: `directory` (finding and starting communities), `home` (a
community's home page), `joining` (join, leave, invitations), `charter`, `members`
(who knows what), `onboarding`. Facilitators: `manage` (the settings pages' shared
context, details, launch, archive), `manage_charter`, `manage_onboarding`,
`manage_members`, `manage_invitations` and `health`. Every view reaches its community
through the door in `communities.access`.
"""

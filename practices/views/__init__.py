"""Pages about posts and the conversation around them, by journey.

`feed` (a community's feed and topic pages), `writing` (new post, edit, preview,
delete), `reading` (a post, its history), `actions` (react, save, follow, pin, hide),
`conversation` (comments and replies), `lists` (the member's bookmarks and drafts),
`search` (search, topics, lessons, similar experiences) and `moderation` (reports and
the facilitators' review queue). Every view reaches what it shows through the doors in
`communities.access` and `practices.access`; `flags` turns the permission checks into
the `can_*` flags the templates read.
"""

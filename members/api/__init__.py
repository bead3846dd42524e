"""The member's own corner of the REST API: tokens' authentication, notifications."""

"""The members' pages: profiles, the notification inbox and settings, digest pages."""

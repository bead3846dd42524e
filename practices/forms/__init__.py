"""Forms of the practices pages: validation only, no side effects in save()."""

"""Meetings in the REST API: a community's meetings, one meeting, answering."""

"""Communities in the REST API: the directory and one community, through the door."""

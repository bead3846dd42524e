"""Posts, comments, reactions and search in the REST API, through the posts' door."""

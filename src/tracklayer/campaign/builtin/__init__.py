"""Built-in campaign files (YAML); `tracklayer sweep NAME` accepts their names."""

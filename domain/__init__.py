"""Domain logic that is not HTTP: views, CLI commands and tests call it alike."""

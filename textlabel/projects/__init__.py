"""Projects: settings, entity labels, members and their roles."""

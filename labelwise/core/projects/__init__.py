"""Projects: their settings and members, and their progress in numbers."""

"""Iterating on a project: schema changes with label migrations, sending answers back for relabeling,
and pilot rounds. Composes projects, labeling, review and dataio, so it sits above them."""

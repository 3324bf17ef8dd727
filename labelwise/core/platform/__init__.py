"""Platform services every domain uses: the clock, the audit log, background jobs and their runner, notifications."""

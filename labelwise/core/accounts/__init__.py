"""Accounts: users, tokens and sessions, password hashing, login throttling, and who may do what in a project."""

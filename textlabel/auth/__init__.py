"""Accounts, API tokens, roles, and the one module that decides permissions."""

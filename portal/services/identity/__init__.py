"""People and their access: accounts, roles, own password, set-password links, last Admin."""

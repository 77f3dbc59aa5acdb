"""Security building blocks: permissions, passwords, encryption, headers."""

"""The plugin registry: the manifest contract and the changes."""

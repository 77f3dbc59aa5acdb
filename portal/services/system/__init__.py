"""The portal itself: health, what /system shows, the cache's namespaces, key rotation."""

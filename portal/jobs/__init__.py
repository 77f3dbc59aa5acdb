"""RQ job functions and the workers that run them inside the app context."""

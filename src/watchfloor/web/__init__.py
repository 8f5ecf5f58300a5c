"""The analyst console's shared parts: templates, static files, sign-in and form protection."""

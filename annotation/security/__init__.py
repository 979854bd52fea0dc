"""Sign-in throttling (django-axes), API tokens that expire and rotate, the lockout answer."""

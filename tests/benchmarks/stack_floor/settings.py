from annotation.settings import *  # noqa: F403 (production's settings, every one of them)

ROOT_URLCONF = "stack_floor.urls"

from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "annotation.security"
    label = "security"
    verbose_name = "Sign-in and tokens"

    def ready(self) -> None:
        # Connect the token rotation on password change whatever imports run first: a shell
        # calling set_password() never touches the API modules.
        from annotation.security import tokens  # noqa: F401

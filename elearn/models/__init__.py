"""All models, imported here so Alembic and the app see one complete metadata."""
from elearn.models.accounts import LoginFailure, Role, User

__all__ = ["LoginFailure", "Role", "User"]

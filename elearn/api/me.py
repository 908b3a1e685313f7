"""/api/me: who the session belongs to."""
from flask_login import current_user
from flask_smorest import Blueprint

from elearn.access import roles
from elearn.api.schemas import UserSchema

blp = Blueprint("me", __name__, url_prefix="/api/me", description="The signed-in account")


@blp.get("")
@blp.response(200, UserSchema)
@roles()
def me():
    """The signed-in account."""
    return current_user

"""WTForms forms; Flask-WTF adds the CSRF token to each."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from elearn.i18n import gettext as _
from wtforms.i18n import DummyTranslations


class LazyText(str):
    """Label text translated when rendered, not when the module is imported."""

    def __new__(cls, message: str):
        return super().__new__(cls, message)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return _(str.__str__(self))

    def __html__(self) -> str:
        return _(str.__str__(self))


class LoginForm(FlaskForm):
    username = StringField(LazyText("Username"), validators=[DataRequired(), Length(max=150)],
                           render_kw={"autocomplete": "username"})
    password = PasswordField(LazyText("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()

    class Meta:
        def get_translations(self, form):
            return DummyTranslations()


class LanguageForm(FlaskForm):
    language = HiddenField(validators=[DataRequired()])
    next = HiddenField()

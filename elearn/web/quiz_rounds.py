"""Trainer page and command that open a new round of quiz attempts for one learner.

A learner who used up a quiz's attempts without passing gets a new round by themselves
after the wait (``ELEARN_QUIZ_RETRY_WAIT_HOURS``); a trainer can open it at once, from
``/trainer/quiz-rounds`` or with ``elearn quiz new-round USERNAME COURSE UNIT``.  The page
reveals nothing about the learner beyond whether the quiz was locked.
"""
from __future__ import annotations

import click
from flask import Blueprint, Flask, flash, redirect, render_template, url_for
from flask.cli import with_appcontext
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from elearn.access import roles
from elearn.db import get_session, utcnow
from elearn.i18n import gettext as _
from elearn.models import Role
from elearn.services.attempt_rounds import retry_wait
from elearn.services.quiz_rounds import Outcome, new_round_for
from elearn.web.forms import LazyText

bp = Blueprint("quiz_rounds", __name__, url_prefix="/trainer")

MESSAGES = {
    Outcome.OPENED: "A new round of attempts is open for %(username)s in %(unit)s.",
    Outcome.NO_SUCH_LEARNER: "There is no account %(username)s.",
    Outcome.NOT_ENROLLED: "%(username)s is not enrolled in the course %(course)s.",
    Outcome.NO_SUCH_UNIT: "The course %(course)s has no unit %(unit)s.",
    Outcome.NOT_LOCKED: "%(username)s has attempts left in %(unit)s or has passed its quiz: "
                        "nothing to open.",
}


class NewRoundForm(FlaskForm):
    username = StringField(LazyText("Username"), validators=[DataRequired(), Length(max=150)],
                           render_kw={"autocomplete": "off"})
    course = StringField(LazyText("Course"), validators=[DataRequired(), Length(max=100)],
                         render_kw={"autocomplete": "off"})
    unit = StringField(LazyText("Unit"), validators=[DataRequired(), Length(max=100)],
                       render_kw={"autocomplete": "off"})


@bp.route("/quiz-rounds", methods=["GET", "POST"])
@roles(Role.TRAINER, Role.ADMIN)
def new_round():
    """Open a new round of attempts for a learner who used up a quiz without passing."""
    form = NewRoundForm()
    if form.validate_on_submit():
        outcome = new_round_for(get_session(), form.username.data, form.course.data,
                                form.unit.data, utcnow())
        flash(_(MESSAGES[outcome], username=form.username.data.strip(),
                course=form.course.data.strip(), unit=form.unit.data.strip()),
              "info" if outcome is Outcome.OPENED else "error")
        return redirect(url_for("quiz_rounds.new_round"))
    status = 422 if form.is_submitted() else 200
    return render_template("trainer/quiz_rounds.html", form=form,
                           wait_hours=_hours(retry_wait())), status


def _hours(wait) -> str:
    hours = wait.total_seconds() / 3600
    return f"{hours:g}"


quiz_group = click.Group("quiz", help="Quiz attempts of learners.")


@quiz_group.command("new-round")
@click.argument("username")
@click.argument("course")
@click.argument("unit")
@with_appcontext
def new_round_command(username: str, course: str, unit: str) -> None:
    """Open a new round of attempts at UNIT of COURSE for USERNAME (who used up the attempts
    without passing)."""
    from flask import current_app

    with current_app.extensions["elearn.db"].session_scope() as session:
        outcome = new_round_for(session, username, course, unit, utcnow())
    message = MESSAGES[outcome] % {"username": username, "course": course, "unit": unit}
    if outcome is not Outcome.OPENED:
        raise click.ClickException(message)
    click.echo(message)


def init_app(app: Flask) -> None:
    from elearn.web.nav import register_nav

    app.register_blueprint(bp)
    app.cli.add_command(quiz_group)
    # the learner pages explain the rounds: how long the wait is
    app.context_processor(lambda: {"retry_wait_hours": _hours(retry_wait())})
    register_nav(app, "quiz_rounds.new_round", "Quiz attempts", order=66)

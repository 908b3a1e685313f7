"""All models, imported here so Alembic and the app see one complete metadata."""
from elearn.models.accounts import LoginFailure, Role, User
from elearn.models.courses import Course, CourseVersion, Question, ReflectionTask, Unit
from elearn.models.learning import (AttemptAnswer, Enrolment, QuizAttempt, Reflection,
                                    ReflectionRevision, UnitProgress)
from elearn.models.xapi import XapiClient, XapiDelivery, XapiDestinationState, XapiStatement
from elearn.privacy.models import AccessibilityFeedback, AuditEvent, Erasure  # noqa: E402
from elearn.lti import models as _lti_models  # noqa: F401,E402 - LTI tables on the metadata
from elearn.lti import score_models as _lti_score_models  # noqa: F401,E402 - passback tables
from elearn.publishing import models as _publishing_models  # noqa: F401,E402 - drafts, packages

__all__ = ["AttemptAnswer", "Course", "CourseVersion", "Enrolment", "LoginFailure", "Question",
           "QuizAttempt", "Reflection", "ReflectionRevision", "ReflectionTask", "Role", "Unit", "UnitProgress", "User",
           "XapiClient", "XapiDelivery", "XapiDestinationState", "XapiStatement"]

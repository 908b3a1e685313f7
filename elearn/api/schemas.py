"""Schemas shared by several API resources."""
from marshmallow import Schema, fields


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Dict(required=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class UserSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    role = fields.Function(lambda user: user.role.value)
    organisation_unit = fields.String()
    preferred_language = fields.String(allow_none=True)

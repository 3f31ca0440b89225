"""Declarative base with a constraint naming convention, so every constraint and
index has a predictable name that migrations and error translation can rely on."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The role the application runs as (see the initial migration): no BYPASSRLS,
# owns nothing, so every row it touches passes the row-level policies.
APP_ROLE = "mentorship_app"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

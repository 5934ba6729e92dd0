"""Extensions, created unbound and attached in ``create_app``."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_sock import Sock
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the project's naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def client_address() -> str:
    """Return the caller's address (ProxyFix makes it the real one behind a proxy)."""
    return get_remote_address() or request.remote_addr or "unknown"


def _routing_session() -> type:
    """Return the session class that may read from a replica (app/dbrouting.py)."""
    from app.dbrouting import RoutingSession

    return RoutingSession


db = SQLAlchemy(model_class=Base, session_options={"class_": _routing_session()})
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address)
sock = Sock()
babel = Babel()
mail = Mail()

"""User accounts, managed by administrators."""

from fastapi import APIRouter

from labelwise.api.contract import errors
from labelwise.api.deps import AdminDep, SessionDep
from labelwise.api.schemas import UserIn, UserOut
from labelwise.core.accounts import users

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=list[UserOut])
def list_users(_admin: AdminDep, session: SessionDep):
    return users.list_users(session)


@router.post("", response_model=UserOut, status_code=201, responses=errors(409))
def create_user(body: UserIn, admin: AdminDep, session: SessionDep):
    return users.create_user(
        session, username=body.username, password=body.password, email=body.email, is_admin=body.is_admin,
        actor=admin,
    )

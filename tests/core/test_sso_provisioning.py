"""Who a single sign-on is and what it may do: users made or linked, roles from groups kept in step,
hand-given roles left alone. Claims go in as the OpenID provider's verified claims would."""

import pytest
from sqlalchemy import select

from labelwise.core.accounts import users
from labelwise.core.sso.provisioning import Policy, groups_of, sign_in
from labelwise.errors import Forbidden
from labelwise.store.models import Member, User
from tests.factories import add_member, make_project, make_user

ISSUER = "https://login.example.com"


def _sign_in(session, sub, policy=Policy(), **claims):
    return sign_in(session, issuer=ISSUER, claims={"sub": sub, **claims}, policy=policy)


def _roles(session, user):
    rows = session.execute(select(Member.project_id, Member.role, Member.granted_by).where(Member.user_id == user.id))
    return sorted(tuple(row) for row in rows)


def test_the_provider_subject_not_the_name_identifies_a_user(session):
    admin = make_user(session, "admin", admin=True).user
    user = _sign_in(session, "s-1", preferred_username="admin")
    assert (user.username, user.is_admin) != (admin.username, True)
    assert user.username == "admin-2"
    assert _sign_in(session, "s-1", preferred_username="someone-else").id == user.id
    with pytest.raises(Exception, match="wrong username or password"):
        users.authenticate(session, "admin-2", "!sso")


def test_an_existing_account_is_linked_only_by_verified_email_and_when_allowed(session):
    made = {name: users.create_user(session, username=name, password="long enough", email=f"{name}@Example.com")
            for name in ("carol", "dave", "erin")}
    linking = Policy(link_by_email=True)
    assert _sign_in(session, "a", email="carol@example.com", email_verified=False, policy=linking).id != made["carol"].id
    assert _sign_in(session, "b", email="dave@example.com", email_verified=True).id != made["dave"].id
    assert _sign_in(session, "c", email="erin@example.com", email_verified=True, policy=linking).id == made["erin"].id
    # Linked once: another subject of the same provider with that email does not take the account over.
    assert _sign_in(session, "d", email="erin@example.com", email_verified=True, policy=linking).id != made["erin"].id


def test_allowed_domains_admit_only_verified_emails_there_and_store_nothing_else(session):
    policy = Policy(allowed_domains=("example.com",))
    with pytest.raises(Forbidden, match="verified email at example.com"):
        _sign_in(session, "x", email="eve@elsewhere.org", email_verified=True, policy=policy)
    with pytest.raises(Forbidden):
        _sign_in(session, "y", email="eve@example.com", email_verified=False, policy=policy)
    assert session.scalar(select(User).where(User.username.like("eve%"))) is None
    assert _sign_in(session, "z", email="dan@EXAMPLE.com", email_verified=True, policy=policy).username == "dan"


def test_groups_give_the_highest_role_per_project_and_lose_it_with_the_group(session):
    owner = make_user(session, "owner").user
    reviews = make_project(session, owner, name="Reviews")
    images = make_project(session, owner, name="Images")
    policy = Policy(group_roles={"staff": "annotator", "nlp": {"Reviews": "reviewer", str(images.id): "annotator"},
                                 "leads": {str(reviews.id): "manager"}}, admin_groups=("ops",))
    user = _sign_in(session, "u", groups=["staff", "nlp"], policy=policy)
    assert _roles(session, user) == [(reviews.id, "reviewer", "sso"), (images.id, "annotator", "sso")]
    assert not user.is_admin
    _sign_in(session, "u", groups=["leads", "ops"], policy=policy)
    assert _roles(session, user) == [(reviews.id, "manager", "sso")]
    assert user.is_admin
    _sign_in(session, "u", groups=[], policy=policy)
    assert _roles(session, user) == []


def test_a_role_given_by_hand_is_never_changed_by_groups(session):
    owner = make_user(session, "owner").user
    reviews = make_project(session, owner, name="Reviews")
    policy = Policy(group_roles={"staff": "annotator"})
    user = _sign_in(session, "u", groups=["staff"], policy=policy)
    add_member(session, owner, reviews, user, "reviewer")  # a manager promotes them by hand
    _sign_in(session, "u", groups=["staff"], policy=policy)
    _sign_in(session, "u", groups=[], policy=policy)
    assert _roles(session, user) == [(reviews.id, "reviewer", None)]


def test_a_project_keeps_its_last_manager_when_the_group_goes(session):
    owner = make_user(session, "owner").user
    reviews = make_project(session, owner, name="Reviews")
    policy = Policy(group_roles={"leads": {"Reviews": "manager"}})
    lead = _sign_in(session, "lead", groups=["leads"], policy=policy)
    session.delete(session.get(Member, (reviews.id, owner.id)))
    session.commit()
    _sign_in(session, "lead", groups=[], policy=policy)
    assert _roles(session, lead) == [(reviews.id, "manager", "sso")]


def test_new_annotators_qualify_first_where_the_project_asks(session):
    owner = make_user(session, "owner").user
    project = make_project(session, owner, name="Gold", settings={"qualification_gold": 3})
    user = _sign_in(session, "q", groups=["staff"], policy=Policy(group_roles={"staff": "annotator"}))
    assert session.get(Member, (project.id, user.id)).status == "qualifying"


def test_a_deactivated_user_cannot_sign_in(session):
    user = _sign_in(session, "gone")
    user.is_active = False
    session.commit()
    with pytest.raises(Forbidden, match="deactivated"):
        _sign_in(session, "gone")


def test_groups_come_from_a_nested_claim_or_a_single_string():
    claims = {"realm_access": {"roles": ["a", "b", 3]}, "team": "c"}
    assert groups_of(claims, "realm_access.roles") == ["a", "b"]
    assert groups_of(claims, "team") == ["c"]
    assert groups_of(claims, "groups") == []

"""Single sign-on in a real browser: 'Sign in with ...' on the login page, the provider's own login and
consent pages (node-oidc-provider), back to the labeling page asked for; logout at both ends; a provider
that is down explained on the login page."""

import socket

from playwright.sync_api import expect

from tests.browser.pages_helpers import login, screenshot
from tests.factories import add_tasks, make_project, make_user


def _configure(web_app, **update) -> None:
    web_app.state.settings = web_app.state.settings.model_copy(update={"oidc_provider_name": "Acme ID", **update})


def test_sign_in_with_the_provider_lands_on_the_labeling_page_and_logout_ends_both(
        page, web_app, web_server, web_session, oidc_provider):
    client_id, secret = oidc_provider.register_client(web_server.url)
    _configure(web_app, oidc_issuer=oidc_provider.issuer, oidc_client_id=client_id, oidc_client_secret=secret,
               oidc_scopes="openid email profile groups", oidc_group_roles={"labelers": {"Tickets": "annotator"}})
    owner = make_user(web_session, "owner")
    project = make_project(web_session, owner.user, name="Tickets")
    add_tasks(web_session, owner.user, project, [{"data": {"text": "Signed on through Acme."}}])
    oidc_provider.add_account("annie@acme", preferred_username="annie", email="annie@acme.test",
                              email_verified=True, groups=["labelers"])

    page.goto(f"/app/projects/{project.id}/label")
    expect(page).to_have_url(f"/app/login?next=%2Fapp%2Fprojects%2F{project.id}%2Flabel")
    screenshot(page, "login-sso")
    page.get_by_role("link", name="Sign in with Acme ID").click()
    expect(page.get_by_role("heading", name="Test provider sign-in")).to_be_visible()
    page.get_by_label("Login").fill("annie@acme")
    page.get_by_label("Secret").fill("secret")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Allow").click()

    expect(page).to_have_url(f"/app/projects/{project.id}/label")
    expect(page.locator("#user-name")).to_have_text("Signed in as annie")
    expect(page.locator("lw-labeling[data-task-id]")).to_be_visible()
    expect(page.get_by_text("Signed on through Acme.")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url("/app/login")
    page.get_by_role("link", name="Sign in with Acme ID").click()
    expect(page.get_by_label("Login")).to_be_visible()  # the provider forgot us too

    login(page, "owner", then=f"/app/projects/{project.id}/members")
    row = page.locator("tr[data-username=annie]")
    expect(row.locator(".badge")).to_have_text("from SSO groups")
    row.get_by_label("Role of annie").select_option("reviewer")
    expect(row.locator(".badge")).to_have_count(0)  # set by hand now


def test_a_provider_that_is_down_is_explained_on_the_login_page(page, web_app, web_session):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _configure(web_app, oidc_issuer=f"http://127.0.0.1:{port}", oidc_client_id="labelwise", oidc_timeout_seconds=2)
    page.goto("/app/login")
    page.get_by_role("link", name="Sign in with Acme ID").click()
    expect(page).to_have_url("/app/login")
    expect(page.get_by_role("alert")).to_contain_text(
        f"Single sign-on failed: cannot reach the sign-in provider at http://127.0.0.1:{port}")
    expect(page.get_by_label("Username")).to_be_visible()  # passwords still work

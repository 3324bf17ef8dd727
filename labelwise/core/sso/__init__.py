"""Single sign-on with OpenID Connect: the relying-party protocol (`oidc`) and who a signed-in person is (`provisioning`)."""

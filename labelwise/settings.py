"""All configuration in one place: environment variables prefixed `LABELWISE_`, each with a default."""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


_Role = Literal["annotator", "reviewer", "manager"]


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "labelwise"


class Settings(BaseSettings):
    """Runtime settings, passed explicitly to `create_app`; nothing reads them at import."""

    model_config = SettingsConfigDict(env_prefix="LABELWISE_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir, description="Folder for the SQLite database and media.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is SQLite at <data_dir>/labelwise.db. PostgreSQL: postgresql+psycopg://...",
    )
    media_dir: Path | None = Field(default=None, description="Folder for uploaded media; default <data_dir>/media.")
    lease_seconds: int = Field(default=900, ge=5, description="How long a served task stays reserved for its annotator.")
    session_days: int = Field(default=14, ge=1, description="Lifetime of a browser login session.")
    max_upload_bytes: int = Field(default=4 * 1024**3, ge=1, description="Largest accepted import body.")
    max_body_bytes: int = Field(
        default=8 * 1024**2, ge=1024,
        description="Largest accepted JSON or form request body; imports and media uploads have their own limits.",
    )
    trusted_origins: list[str] = Field(
        default_factory=list,
        description="Origins (e.g. https://labels.example.com) whose pages may write with the session cookie besides "
                    "the server's own host; a JSON list. Needed when a proxy rewrites the Host header.",
    )
    max_line_bytes: int = Field(default=16 * 1024**2, ge=1024, description="Largest accepted single import row.")
    import_batch_size: int = Field(default=5000, ge=1, description="Rows written per INSERT batch during import.")
    max_import_errors: int = Field(default=50, ge=1, description="How many bad rows an import reports before it stops.")
    project_creators: Literal["everyone", "admins"] = Field(
        default="everyone",
        description="Who may create projects: 'everyone' (any account) or 'admins'. A project's creator is its "
                    "manager, and managers reach every import parser.",
    )
    login_free_failures: int = Field(
        default=5, ge=1, description="Failed logins an account gets before each further one locks it, for 1 s, "
                                     "then 2 s, 4 s, ... (per account, in the database, across processes).")
    login_address_free_failures: int = Field(
        default=20, ge=1, description="Failed logins one client address gets (any accounts) before the same backoff.")
    login_max_lockout_seconds: int = Field(
        default=900, ge=1, description="The longest a login lockout lasts.")
    cookie_secure: bool = Field(default=False, description="Send the session cookie only over HTTPS.")
    storage: Literal["local", "s3"] = Field(
        default="local", description="Where media blobs live: 'local' (media_dir) or 's3' (S3-compatible)."
    )
    s3_bucket: str | None = Field(default=None, description="S3 bucket for media when storage is 's3'.")
    s3_prefix: str = Field(default="", description="Key prefix inside the S3 bucket (e.g. 'labelwise/').")
    s3_endpoint_url: str | None = Field(
        default=None, description="S3-compatible endpoint (MinIO, Ceph, moto); default: AWS."
    )
    s3_region: str | None = Field(default=None, description="S3 region; default: boto3's configuration.")
    s3_access_key: str | None = Field(default=None, description="S3 access key id; default: boto3's credential chain.")
    s3_secret_key: str | None = Field(default=None, description="S3 secret key; default: boto3's credential chain.")
    s3_presigned_redirect: bool = Field(
        default=False, description="Answer signed media URLs with a redirect to a presigned S3 URL."
    )
    media_url_ttl: int = Field(default=3600, ge=10, description="Lifetime in seconds of signed media URLs.")
    secret_key: str | None = Field(
        default=None,
        description="Server secret for signed URLs, shared by all processes; default: <data_dir>/secret_key (created once).",
    )
    max_media_bytes: int = Field(default=512 * 1024**2, ge=1, description="Largest accepted single media file.")
    max_image_pixels: int = Field(default=89_478_485, ge=1, description="Largest accepted image (width x height).")
    max_zip_entries: int = Field(default=100_000, ge=1, description="Most files accepted in one media zip.")
    max_zip_ratio: int = Field(
        default=200, ge=1, description="Largest accepted compression ratio of a zip entry and of a whole zip "
                                       "(entries under 64 KiB may exceed it), counted on the bytes actually unpacked.")
    max_unzipped_bytes: int = Field(
        default=4 * 1024**3, ge=1, description="Most bytes one zip upload may unpack to, counted while unpacking.")

    run_jobs_in_server: bool = Field(
        default=True,
        description="Run a background job runner and a webhook dispatcher inside each `serve` process (on SQLite only one of them claims "
        "jobs). With PostgreSQL at scale, set false and run `labelwise worker` processes instead.",
    )
    job_poll_seconds: float = Field(default=0.5, gt=0, description="How often an idle job runner looks for queued jobs.")
    job_heartbeat_seconds: float = Field(
        default=10, gt=0, description="How often a runner marks its running job alive (PostgreSQL)."
    )
    job_lease_seconds: int = Field(
        default=120, ge=2,
        description="A running job with no heartbeat for this long belongs to a dead process and is marked failed.",
    )
    webhook_timeout_seconds: float = Field(
        default=10, gt=0, description="How long a webhook receiver has to answer one delivery before it counts as failed.")
    webhook_max_attempts: int = Field(
        default=8, ge=1, description="Attempts per webhook delivery before it is marked failed (redeliver it by hand).")
    webhook_backoff_seconds: float = Field(
        default=30, gt=0, description="Wait before the first retry of a failed webhook delivery; it doubles with "
                                      "each further attempt (with random jitter), up to webhook_backoff_max_seconds.")
    webhook_backoff_max_seconds: float = Field(
        default=3600, gt=0, description="The longest wait between two attempts of a webhook delivery.")
    webhook_concurrency: int = Field(
        default=4, ge=1, le=64, description="Webhook deliveries each process sends at once, so that one slow "
                                            "receiver does not hold up the others.")
    webhook_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often an idle webhook dispatcher looks for deliveries that are due.")
    webhook_allow_link_local: bool = Field(
        default=False, description="Allow webhook URLs on link-local addresses (169.254.0.0/16, fe80::/10), where "
                                   "cloud metadata services live. Off: such URLs are refused and not sent to.")
    labeling_function_modules: str = Field(
        default="",
        description="Comma-separated importable Python modules whose @labeling_function functions projects may "
                    "use as labeling functions of kind 'python' (see docs/weak-supervision.md). Installed by the "
                    "administrator; user input never names code to import.",
    )

    oidc_issuer: str | None = Field(
        default=None,
        description="Issuer URL of an OpenID Connect provider for single sign-on beside passwords (e.g. "
                    "https://login.example.com/realms/acme); unset: passwords only. Needs the 'sso' extra.",
    )
    oidc_client_id: str | None = Field(default=None, description="This server's client id at the OpenID provider.")
    oidc_client_secret: str | None = Field(
        default=None, description="The client secret; unset for a public client (PKCE alone).")
    oidc_provider_name: str = Field(
        default="single sign-on", description="Name on the login page's button: 'Sign in with <name>'.")
    oidc_scopes: str = Field(
        default="openid email profile",
        description="Scopes asked for, space-separated; add the one that releases groups if the provider needs it.")
    oidc_groups_claim: str = Field(
        default="groups",
        description="Claim holding the user's groups, a dotted path for nested claims (e.g. realm_access.roles).")
    oidc_group_roles: dict[str, _Role | dict[str, _Role]] = Field(
        default_factory=dict,
        description="Project roles from groups, a JSON object: {\"group\": \"annotator\"} gives that role in every "
                    "project; {\"group\": {\"<project id or name>\": \"manager\"}} in the projects named.",
    )
    oidc_admin_groups: list[str] = Field(
        default_factory=list, description="Groups whose members are site administrators (a JSON list).")
    oidc_allowed_domains: list[str] = Field(
        default_factory=list,
        description="If set (a JSON list), only users with a verified email in these domains may sign in.")
    oidc_link_by_email: bool = Field(
        default=False,
        description="Let a first single sign-on take over the existing account with the same email, if the provider "
                    "says the email is verified. Off: a new account is made.")
    oidc_redirect_base_url: str | None = Field(
        default=None,
        description="Public base URL of this server for the sign-in redirect (e.g. https://labels.example.com); "
                    "default: the URL of the request. Set it behind a proxy that rewrites the Host header.")
    oidc_timeout_seconds: float = Field(
        default=10, gt=0, description="How long to wait for the OpenID provider before telling the user it is down.")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'labelwise.db'}"

    @property
    def resolved_media_dir(self) -> Path:
        return self.media_dir or self.data_dir / "media"

"""All configuration in one place: environment variables prefixed `LABELWISE_`, each with a default."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    max_line_bytes: int = Field(default=16 * 1024**2, ge=1024, description="Largest accepted single import row.")
    import_batch_size: int = Field(default=5000, ge=1, description="Rows written per INSERT batch during import.")
    max_import_errors: int = Field(default=50, ge=1, description="How many bad rows an import reports before it stops.")
    cookie_secure: bool = Field(default=False, description="Send the session cookie only over HTTPS.")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'labelwise.db'}"

    @property
    def resolved_media_dir(self) -> Path:
        return self.media_dir or self.data_dir / "media"

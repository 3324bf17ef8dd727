"""The API reference page: our own small reader of the OpenAPI document, served from the package.

Swagger UI would need a CDN or a vendored bundle, and the bundles on PyPI predate OpenAPI 3.1.
"""

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>labelwise API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/api-docs.css">
</head>
<body>
<main id="api-docs" data-openapi="{prefix}/openapi.json"><p>Loading the API reference…</p></main>
<script type="module" src="/static/api-docs.js"></script>
</body>
</html>
"""


def install(app: FastAPI, prefix: str) -> None:
    page = PAGE.format(prefix=prefix)

    @app.get(f"{prefix}/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)

"""``/api/v1``: the JSON API for councils (``views``), its models (``schemas``), its OpenAPI
document (``spec``) and its token authentication (``auth``)."""

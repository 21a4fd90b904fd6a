"""A business's own pages (home, settings, team, API tokens, audit log) and the API's tenant base view.

Above the permissions app, which decides who may open them; below the apps
whose pages and API views build on them. The data and its services stay in
``apps.tenancy``; the URL namespace is still "tenancy" and the templates are
``tenancy/…``.
"""

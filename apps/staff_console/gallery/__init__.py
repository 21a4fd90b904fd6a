"""The component gallery at /staff/components/: each server-rendered component in every state, from fixtures.

The Django equivalent of Storybook for this project (why not
django-pattern-library: docs/decisions/0005-component-library.md). A
component is a real template of an app, rendered exactly as its view renders
it, with a context built in ``fixtures`` from unsaved model instances: nothing
is read from or written to the database. Playwright screenshots every state
for the visual regression suite (tests/visual/).
"""

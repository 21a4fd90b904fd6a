"""Views of the sandboxed services (one module per service) and the staff page."""

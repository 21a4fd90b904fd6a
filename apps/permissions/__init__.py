"""Who may do what: the one policy (roles, predicates, named permissions), staff roles and elevated access."""

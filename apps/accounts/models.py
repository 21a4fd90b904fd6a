"""The user: email login, Argon2 passwords (settings), 2FA through django-otp devices."""

from __future__ import annotations

from typing import Any, Protocol

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class NamedPolicy(Protocol):
    def is_named_permission(self, perm: str) -> bool: ...
    def check(self, user: Any, perm: str, obj: Any = None) -> bool: ...


# The permissions app (above this one: its policy reads memberships) registers itself in its AppConfig.ready.
_policy: NamedPolicy | None = None


def use_policy(policy: NamedPolicy) -> None:
    global _policy
    _policy = policy


class User(AbstractBaseUser, PermissionsMixin):
    # Always stored lower-cased (save()), so a plain unique index is case-insensitive.
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Can use the staff console and Django admin.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def has_perm(self, perm: str, obj=None) -> bool:
        """A permission named in the policy is decided by the policy alone, superuser or not (decision 0012).

        Django's own answer (an active superuser has every permission) is kept
        for its model permissions, which only the admin asks about.
        """
        if _policy is not None and _policy.is_named_permission(perm):
            return _policy.check(self, perm, obj)
        return super().has_perm(perm, obj)
